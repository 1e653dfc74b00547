package corrections

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Table renders the audit as Markdown, one row per operation sorted by path
// and method, with the verdict counts first. AUDIT.md beside this file is
// its output; a test keeps the two equal.
func (s *Set) Table() []byte {
	rows := append([]Row(nil), s.Rows...)
	sort.Slice(rows, func(i, j int) bool {
		pi, pj := opPath(rows[i].Operation), opPath(rows[j].Operation)
		if pi != pj {
			return pi < pj
		}
		return rows[i].Operation < rows[j].Operation
	})
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Verdict]++
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Wire audit of the platform API\n\n")
	fmt.Fprintf(&b, "Generated from the JSON files beside this one (`go test ./internal/contract/corrections -update`); do not edit.\n\n")
	fmt.Fprintf(&b, "Each operation of the published document checked against the server's source, "+
		"github.com/wacht-platform/platform at commit `%s`. File references are paths in that repository.\n\n", ServerCommit)
	fmt.Fprintf(&b, "%d operations: %d matches, %d corrected, %d ambiguous; %d corrections; %d server-shaped fixtures.\n\n",
		len(rows), counts[VerdictMatches], counts[VerdictCorrected], counts[VerdictAmbiguous], len(s.Corrections), len(s.Fixtures))
	b.WriteString("| operation | area | handler | verdict | what changed / what is open |\n| --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", r.Operation, r.Area, cell(r.Handler), r.Verdict, cell(r.Notes))
	}
	return b.Bytes()
}

func opPath(op string) string {
	_, p, _ := strings.Cut(op, " ")
	return p
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
