// Package apilist writes down the exported API of a Go package as text:
// every exported constant, variable, type (with its exported fields and
// methods) and function, as its declaration reads without comments or
// bodies, in a stable order. The kit checks the listings of its public
// packages in (api/*.txt), so a change to the public API shows up in review
// as a change to those files and is never made by accident.
package apilist

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
)

// List returns the listing of the package in dir as the build context ctx
// selects its files (build constraints and file name suffixes apply).
func List(ctx build.Context, dir, importPath string) (string, error) {
	bp, err := ctx.ImportDir(dir, 0)
	if err != nil {
		return "", err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return "", err
		}
		files = append(files, f)
	}
	d, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		return "", err
	}

	var out []string
	decl := func(n any) string {
		var b bytes.Buffer
		cfg := printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}
		if err := cfg.Fprint(&b, fset, n); err != nil {
			return fmt.Sprintf("<%v>", err)
		}
		return b.String()
	}
	values := func(kind string, vs []*doc.Value) {
		for _, v := range vs {
			for _, spec := range v.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !name.IsExported() {
						continue
					}
					line := kind + " " + name.Name
					if vs.Type != nil {
						line += " " + decl(vs.Type)
					}
					if kind == "const" && i < len(vs.Values) {
						line += " = " + decl(vs.Values[i])
					}
					out = append(out, line)
				}
			}
		}
	}
	funcs := func(prefix string, fs []*doc.Func) {
		for _, f := range fs {
			fd := *f.Decl
			fd.Doc, fd.Body = nil, nil
			out = append(out, prefix+decl(&fd))
		}
	}
	values("const", d.Consts)
	values("var", d.Vars)
	funcs("", d.Funcs)
	for _, t := range d.Types {
		for _, spec := range t.Decl.Specs {
			ts := spec.(*ast.TypeSpec)
			if !ts.Name.IsExported() {
				continue
			}
			out = append(out, "type "+decl(exportedOnly(ts)))
		}
		values("const", t.Consts)
		values("var", t.Vars)
		funcs("", t.Funcs)
		funcs("", t.Methods)
	}
	sort.Strings(out)
	return strings.Join(out, "\n") + "\n", nil
}

// exportedOnly returns ts without comments and without the unexported
// fields and methods of a struct or interface, which are no part of the API.
func exportedOnly(ts *ast.TypeSpec) *ast.TypeSpec {
	c := *ts
	c.Doc, c.Comment = nil, nil
	switch t := ts.Type.(type) {
	case *ast.StructType:
		c.Type = &ast.StructType{Fields: exportedFields(t.Fields)}
	case *ast.InterfaceType:
		c.Type = &ast.InterfaceType{Methods: exportedFields(t.Methods)}
	}
	return &c
}

func exportedFields(fl *ast.FieldList) *ast.FieldList {
	out := &ast.FieldList{}
	for _, f := range fl.List {
		g := *f
		g.Doc, g.Comment, g.Tag = nil, nil, f.Tag
		if len(f.Names) == 0 {
			// Embedded: exported when its type name is.
			name := embeddedName(f.Type)
			if name == "" || !ast.IsExported(name) {
				continue
			}
			out.List = append(out.List, &g)
			continue
		}
		g.Names = nil
		for _, n := range f.Names {
			if n.IsExported() {
				g.Names = append(g.Names, ast.NewIdent(n.Name))
			}
		}
		if len(g.Names) > 0 {
			out.List = append(out.List, &g)
		}
	}
	return out
}

func embeddedName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return embeddedName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.IndexExpr:
		return embeddedName(t.X)
	case *ast.IndexListExpr:
		return embeddedName(t.X)
	}
	return ""
}
