package wachttest

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// Agent skills are zip bundles the server unpacks into the deployment's
// object storage under <deployment>/agents/<agent>/skills/<slug>/
// (platform/src/application/ai_skills.rs:185) and records in agent_skills.
// The emulator keeps the unpacked files in memory, keyed the same way
// below the agent's skill root, so tree listings and reads see what an
// import wrote.

// agentSkill is one row of agent_skills with the files stored under it.
type agentSkill struct {
	Slug, Name  string
	Description *string
	Files       map[string][]byte // path below the skill's folder
}

// systemSkill is one of the skills built into the server
// (agent-engine/skills/system/<slug>/SKILL.md, compiled in by
// agent-engine/build.rs). The slugs and names are the server's; the
// server's SKILL.md texts are not copied here: the emulator serves a
// short SKILL.md of its own with the same front matter keys.
type systemSkill struct {
	slug, description string
}

// The server sorts them by slug (agent-engine/build.rs:38).
var systemSkills = []systemSkill{
	{"docx-generation", "Produce an editable Word (.docx) document with Python."},
	{"pdf-generation", "Produce a fixed-layout PDF document with Python."},
	{"pptx-generation", "Produce a PowerPoint (.pptx) slide deck with Python."},
}

func (k systemSkill) skillMD() string {
	return "---\nname: " + k.slug + "\ndescription: " + k.description + "\n---\n\n# " + k.slug +
		"\n\nA system skill of the Wacht emulator (wachttest); the server ships its own instructions.\n"
}

// skillScope is SkillScope::parse (ai_skills.rs:26): exactly "system" or
// "agent". The query struct has scope as a required String
// (platform/src/api/ai_skills.rs:26), so a missing one is axum's query
// rejection.
func skillScope(r *http.Request) (string, error) {
	q := r.URL.Query()
	if !q.Has("scope") {
		return "", queryRejection("missing field `scope`")
	}
	switch s := q.Get("scope"); s {
	case "system", "agent":
		return s, nil
	}
	return "", badRequest("scope must be either 'system' or 'agent'")
}

// normalizeSkillPath is normalize_virtual_path (ai_skills.rs:130): ""
// for the root; empty, "." and ".." segments and backslashes are
// rejected.
func normalizeSkillPath(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "" || p == "/" {
		return "", nil
	}
	p = strings.TrimRight(strings.TrimLeft(p, "/"), "/")
	var parts []string
	for _, part := range strings.Split(p, "/") {
		part = strings.TrimSpace(part)
		if part == "" || part == "." || part == ".." || strings.Contains(part, `\`) {
			return "", badRequest("invalid path")
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "/"), nil
}

// sanitizeSkillSlug is sanitize_skill_slug (ai_skills.rs:152): ASCII
// letters and digits lowercased, runs of '-', '_' and spaces as one '-',
// everything else dropped.
func sanitizeSkillSlug(v string) (string, error) {
	var b strings.Builder
	prevDash := false
	for _, r := range v {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
			prevDash = false
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			prevDash = false
		case r == '-' || r == '_' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f':
			if !prevDash {
				b.WriteByte('-')
				prevDash = true
			}
		}
	}
	slug := strings.Trim(b.String(), "-")
	if slug == "" {
		return "", badRequest("invalid skill name")
	}
	return slug, nil
}

// skillsOf is the agent's skills by slug, the agent being there
// (ensure_agent_exists, ai_skills.rs:173: "Agent not found").
func (st *store) skillsOf(agentID string) (map[string]*agentSkill, error) {
	if _, err := st.aiAgent(agentID); err != nil {
		return nil, err
	}
	m := st.agentSkills[agentID]
	if m == nil {
		m = map[string]*agentSkill{}
		st.agentSkills[agentID] = m
	}
	return m, nil
}

// listAgentSkills is list_agent_skills_summary (ai_skills.rs:60): the
// system skills, then the agent's by slug (queries/src/agent_skill.rs:28).
func (s *Server) listAgentSkills(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		skills, err := st.skillsOf(r.PathValue("agent_id"))
		if err != nil {
			return err
		}
		system := []map[string]any{}
		for _, k := range systemSkills {
			system = append(system, map[string]any{"slug": k.slug, "name": k.slug, "description": k.description,
				"mount_path": "/skills/system/" + k.slug, "source": "system"})
		}
		agent := []map[string]any{}
		for _, slug := range slices.Sorted(maps.Keys(skills)) {
			k := skills[slug]
			e := map[string]any{"slug": k.Slug, "name": k.Name, "mount_path": "/skills/agent/" + k.Slug, "source": "agent"}
			if k.Description != nil {
				e["description"] = *k.Description
			}
			agent = append(agent, e)
		}
		return ok(w, map[string]any{"system": system, "agent": agent})
	})
}

type skillEntry struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Kind string `json:"kind"`
	Size *int   `json:"size_bytes,omitempty"`
}

// skillTree is list_skill_tree (ai_skills.rs:189) on a normalized path.
// System scope: the root lists one directory per skill, a skill's folder
// its SKILL.md, anything else is 404 "Path not found". Agent scope lists
// the stored objects under the path: a name with more below it is a
// directory, the rest files; a path with nothing below it is an empty
// listing, not a 404.
func skillTree(skills map[string]*agentSkill, scope, norm string) (map[string]any, error) {
	entries := []skillEntry{}
	if scope == "system" {
		if norm == "" {
			for _, k := range systemSkills {
				entries = append(entries, skillEntry{Name: k.slug, Path: "/" + k.slug, Kind: "directory"})
			}
		} else {
			i := slices.IndexFunc(systemSkills, func(k systemSkill) bool { return k.slug == norm })
			if i < 0 {
				return nil, notFound("Path not found")
			}
			entries = append(entries, skillEntry{Name: "SKILL.md", Path: "/" + norm + "/SKILL.md", Kind: "file",
				Size: ptr(len(systemSkills[i].skillMD()))})
		}
	} else {
		prefix := ""
		if norm != "" {
			prefix = norm + "/"
		}
		dirs, files := map[string]bool{}, map[string]int{}
		for _, k := range skills {
			for p, body := range k.Files {
				rest, found := strings.CutPrefix(k.Slug+"/"+p, prefix)
				if !found || rest == "" {
					continue
				}
				first, more, _ := strings.Cut(rest, "/")
				if more != "" {
					dirs[first] = true
				} else {
					files[first] = len(body)
				}
			}
		}
		for _, d := range slices.Sorted(maps.Keys(dirs)) {
			entries = append(entries, skillEntry{Name: d, Path: "/" + prefix + d, Kind: "directory"})
		}
		for _, f := range slices.Sorted(maps.Keys(files)) {
			entries = append(entries, skillEntry{Name: f, Path: "/" + prefix + f, Kind: "file", Size: ptr(files[f])})
		}
		// A stable sort by name: a directory and a file of one name keep
		// directories first (ai_skills.rs:331).
		slices.SortStableFunc(entries, func(a, b skillEntry) int { return strings.Compare(a.Name, b.Name) })
	}
	return map[string]any{"scope": scope, "path": "/" + norm, "entries": entries}, nil
}

func (s *Server) listSkillTree(w http.ResponseWriter, r *http.Request) error {
	scope, err := skillScope(r)
	if err != nil {
		return err
	}
	p := "/"
	if q := r.URL.Query(); q.Has("path") {
		p = q.Get("path")
	}
	return s.locked(func(st *store) error {
		skills, err := st.skillsOf(r.PathValue("agent_id"))
		if err != nil {
			return err
		}
		norm, err := normalizeSkillPath(p)
		if err != nil {
			return err
		}
		tree, err := skillTree(skills, scope, norm)
		if err != nil {
			return err
		}
		return ok(w, tree)
	})
}

// readSkillFile is read_skill_file (ai_skills.rs:346): a path is
// required (platform/src/api/ai_skills.rs:67) and must name a file; text
// (valid UTF-8) comes back as content, anything else as content_base64.
func (s *Server) readSkillFile(w http.ResponseWriter, r *http.Request) error {
	scope, err := skillScope(r)
	if err != nil {
		return err
	}
	if !r.URL.Query().Has("path") {
		return badRequest("path is required")
	}
	return s.locked(func(st *store) error {
		skills, err := st.skillsOf(r.PathValue("agent_id"))
		if err != nil {
			return err
		}
		norm, err := normalizeSkillPath(r.URL.Query().Get("path"))
		if err != nil {
			return err
		}
		if norm == "" {
			return badRequest("file path is required")
		}
		var body []byte
		found := false
		slug, rest, _ := strings.Cut(norm, "/")
		if scope == "system" {
			i := slices.IndexFunc(systemSkills, func(k systemSkill) bool { return k.slug == slug })
			if i >= 0 && rest == "SKILL.md" {
				body, found = []byte(systemSkills[i].skillMD()), true
			}
		} else if k := skills[slug]; k != nil {
			body, found = k.Files[rest]
		}
		if !found {
			return notFound("File not found")
		}
		out := map[string]any{"scope": scope, "path": "/" + norm, "is_text": utf8.Valid(body), "size_bytes": len(body)}
		if utf8.Valid(body) {
			out["content"] = string(body)
		} else {
			out["content_base64"] = base64.StdEncoding.EncodeToString(body)
		}
		return ok(w, out)
	})
}

// importAgentSkill is import_agent_skill_bundle
// (platform/src/api/ai_skills.rs:79, application/ai_skills.rs:418). The
// form needs a file part with a file name; replace (or replace_existing)
// is on for 1, true, yes or on in any case.
func (s *Server) importAgentSkill(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(maxBody); err != nil {
		return &rejection{http.StatusBadRequest, "Invalid `boundary` for `multipart/form-data` request"}
	}
	replace := false
	for _, name := range []string{"replace", "replace_existing"} {
		if v := r.MultipartForm.Value[name]; len(v) > 0 {
			switch strings.ToLower(strings.TrimSpace(v[len(v)-1])) {
			case "1", "true", "yes", "on":
				replace = true
			default:
				replace = false
			}
		}
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 || files[0].Filename == "" {
		return badRequest("file is required")
	}
	f, err := files[0].Open()
	if err != nil {
		return badRequest("file is required")
	}
	content, err := io.ReadAll(f)
	_ = f.Close()
	if err != nil {
		return badRequest("file is required")
	}
	return s.locked(func(st *store) error {
		skills, err := st.skillsOf(r.PathValue("agent_id"))
		if err != nil {
			return err
		}
		k, err := unpackSkill(files[0].Filename, content)
		if err != nil {
			return err
		}
		if _, exists := skills[k.Slug]; exists && !replace {
			return badRequest("skill already exists; set replace=true to overwrite")
		}
		skills[k.Slug] = k
		tree, err := skillTree(skills, "agent", k.Slug)
		if err != nil {
			return err
		}
		return ok(w, tree)
	})
}

// unpackSkill checks and unpacks a bundle as the server does with unzip
// (ai_skills.rs:426-530), each failure with the server's message.
func unpackSkill(fileName string, content []byte) (*agentSkill, error) {
	zipName := strings.TrimSpace(fileName)
	if zipName == "" || !strings.HasSuffix(strings.ToLower(zipName), ".zip") {
		return nil, badRequest("skill upload must be a zip archive")
	}
	if len(content) == 0 {
		return nil, badRequest("zip archive is empty")
	}
	zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		return nil, badRequest("invalid zip archive")
	}
	files := map[string][]byte{}
	listed := 0
	for _, zf := range zr.File {
		name := strings.ReplaceAll(strings.TrimSpace(zf.Name), `\`, "/")
		if name == "" || strings.HasPrefix(name, "__MACOSX/") {
			continue
		}
		if strings.HasPrefix(name, "/") || slices.Contains(strings.Split(name, "/"), "..") {
			return nil, badRequest("zip contains invalid paths")
		}
		listed++
		if zf.Mode()&fs.ModeSymlink != 0 {
			return nil, badRequest("zip archive may not contain symlinks")
		}
		if zf.FileInfo().IsDir() {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, badRequest("failed to extract zip archive")
		}
		body, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			return nil, badRequest("failed to extract zip archive")
		}
		files[path.Clean(name)] = body
	}
	if listed == 0 {
		return nil, badRequest("zip archive does not contain any files")
	}
	// The skill's folder: the archive root when it holds SKILL.md (the
	// slug then comes from the archive's name), else its one top-level
	// folder; dot-names and __MACOSX do not count as top-level entries
	// (ai_skills.rs:749).
	top := map[string]bool{}
	for name := range files {
		first, _, _ := strings.Cut(name, "/")
		if first != "__MACOSX" && !strings.HasPrefix(first, ".") {
			top[first] = true
		}
	}
	var root, slug string
	if _, found := files["SKILL.md"]; found {
		stem := strings.TrimSuffix(path.Base(zipName), path.Ext(zipName))
		if slug, err = sanitizeSkillSlug(stem); err != nil {
			return nil, err
		}
	} else if len(top) == 1 {
		only := slices.Collect(maps.Keys(top))[0]
		if _, found := files[only+"/SKILL.md"]; !found {
			return nil, badRequest("skill bundle must contain SKILL.md at the root")
		}
		if slug, err = sanitizeSkillSlug(only); err != nil {
			return nil, err
		}
		root = only + "/"
	} else {
		return nil, badRequest("zip must contain either a single top-level skill folder or SKILL.md at the zip root")
	}
	k := &agentSkill{Slug: slug, Name: slug, Files: map[string][]byte{}}
	for name, body := range files {
		if rel, found := strings.CutPrefix(name, root); found {
			k.Files[rel] = body
		}
	}
	name, description := skillFrontMatter(string(k.Files["SKILL.md"]))
	if name != nil {
		k.Name = *name
	}
	k.Description = description
	return k, nil
}

// skillFrontMatter is parse_skill_md_frontmatter (ai_skills.rs:652): the
// name: and description: lines between a leading "---" and the next.
func skillFrontMatter(md string) (name, description *string) {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return nil, nil
	}
	for _, line := range lines[1:] {
		line = strings.TrimRight(line, " \t")
		if strings.TrimSpace(line) == "---" {
			break
		}
		if rest, found := strings.CutPrefix(line, "name:"); found {
			name = ptr(strings.TrimSpace(rest))
		} else if rest, found := strings.CutPrefix(line, "description:"); found {
			description = ptr(strings.TrimSpace(rest))
		}
	}
	return name, description
}

// deleteAgentSkill is delete_agent_skill (ai_skills.rs:695): the slug
// must be one sanitize_skill_slug leaves as it is ("invalid skill slug")
// and name a stored skill ("skill not found"); the answer is {}.
func (s *Server) deleteAgentSkill(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		skills, err := st.skillsOf(r.PathValue("agent_id"))
		if err != nil {
			return err
		}
		slug := strings.TrimSpace(r.PathValue("skill_slug"))
		if slug == "" {
			return badRequest("skill_slug is required")
		}
		if strings.ContainsAny(slug, `/\`) || slug == "." || slug == ".." {
			return badRequest("invalid skill slug")
		}
		if clean, err := sanitizeSkillSlug(slug); err != nil {
			return err
		} else if clean != slug {
			return badRequest("invalid skill slug")
		}
		if skills[slug] == nil {
			return notFound("skill not found")
		}
		delete(skills, slug)
		return ok(w, empty{})
	})
}
