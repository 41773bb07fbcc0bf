package main

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// exportedMetrics returns every gatehouse_* series a gateway on Redis,
// with the client cache and the hash worker on (everything that adds
// series), registers, with its label names (constant and variable),
// sorted.
func exportedMetrics(t *testing.T) map[string][]string {
	t.Helper()
	addr := testredis.Start(t)
	w := newReloadWorld(t)
	w.write(t, "/", fmt.Sprintf("store:\n  driver: redis\n  redis:\n    addrs: [%q]\n    client_cache:\n      enabled: true\nhashing:\n  worker: true\n", addr))
	cfg, err := loadConfig(w.path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), overrides{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	ch := make(chan *prometheus.Desc)
	go func() {
		a.registry.Describe(ch)
		close(ch)
	}()
	// Desc has no accessors; its String is
	// Desc{fqName: "…", help: "…", unit: "…", constLabels: {a="x"}, variableLabels: {b,c}}.
	name := regexp.MustCompile(`^Desc\{fqName: "([^"]+)"`)
	labels := regexp.MustCompile(`constLabels: \{(.*)\}, variableLabels: \{([^{}]*)\}\}$`)
	out := map[string][]string{}
	for d := range ch {
		s := d.String()
		n, l := name.FindStringSubmatch(s), labels.FindStringSubmatch(s)
		if n == nil || l == nil {
			t.Fatalf("cannot read descriptor %s", s)
		}
		if !strings.HasPrefix(n[1], "gatehouse_") {
			continue
		}
		set := map[string]bool{}
		for _, c := range strings.Split(l[1], ",") {
			if k, _, ok := strings.Cut(c, "="); ok {
				set[k] = true
			}
		}
		for _, v := range strings.Split(l[2], ",") {
			if v != "" {
				set[strings.TrimSuffix(strings.TrimPrefix(v, "c("), ")")] = true
			}
		}
		out[n[1]] = slices.Sorted(maps.Keys(set))
	}
	return out
}

// docMetric is one row of docs/operations.md's "Metrics" table.
type docMetric struct {
	kind   string
	labels []string
}

// documentedMetrics reads docs/operations.md: the "Metrics" table's rows,
// and the PromQL of its dashboard queries and alert rules.
func documentedMetrics(t *testing.T) (table map[string]docMetric, promql string) {
	t.Helper()
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "\n## Metrics\n")
	end := strings.Index(doc[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal(`docs/operations.md has no "## Metrics" section`)
	}
	section := doc[start : start+1+end]
	row := regexp.MustCompile("^\\| `(gatehouse_[a-z_]+)` \\| ([a-z]+) \\|([^|]*)\\|")
	table = map[string]docMetric{}
	var queries []string
	inCode := false
	for l := range strings.SplitSeq(section, "\n") {
		if strings.HasPrefix(l, "```") {
			inCode = !inCode
			continue
		}
		if inCode {
			queries = append(queries, l)
			continue
		}
		if m := row.FindStringSubmatch(l); m != nil {
			var labels []string
			for _, f := range strings.Split(m[3], ",") {
				if f = strings.Trim(strings.TrimSpace(f), "`"); f != "" {
					labels = append(labels, f)
				}
			}
			slices.Sort(labels)
			table[m[1]] = docMetric{kind: m[2], labels: labels}
		}
	}
	if len(table) == 0 || len(queries) == 0 {
		t.Fatalf("read %d metrics and %d lines of queries from docs/operations.md", len(table), len(queries))
	}
	return table, strings.Join(queries, "\n")
}

// TestOperationsDocNamesEveryMetricAsExported holds docs/operations.md
// to what a gateway registers: every gatehouse_* series it exports is
// in the "Metrics" table with its labels, every row of the table is
// exported with the labels it lists, and every series and label matcher
// the dashboard queries and alert rules use is one the table lists
// (a histogram's _bucket, _count and _sum included). An alert on a
// series that does not exist never fires.
func TestOperationsDocNamesEveryMetricAsExported(t *testing.T) {
	exported := exportedMetrics(t)
	table, promql := documentedMetrics(t)
	for name, labels := range exported {
		d, ok := table[name]
		switch {
		case !ok:
			t.Errorf("%s (labels %v) is exported but not in docs/operations.md's Metrics table", name, labels)
		case !slices.Equal(d.labels, labels):
			t.Errorf("%s: docs/operations.md lists labels %v, exported with %v", name, d.labels, labels)
		}
	}
	for name := range table {
		if _, ok := exported[name]; !ok {
			t.Errorf("docs/operations.md lists %s, which no gateway exports", name)
		}
	}
	series := regexp.MustCompile(`(gatehouse_[a-z_]+)(\{[^}]*\})?`)
	matcher := regexp.MustCompile(`([a-z_]+)\s*(=~|!~|!=|=)`)
	for _, m := range series.FindAllStringSubmatch(promql, -1) {
		name := m[1]
		d, ok := table[name]
		if !ok {
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				if base, cut := strings.CutSuffix(name, suffix); cut && table[base].kind == "histogram" {
					d, ok = table[base], true
				}
			}
		}
		if !ok {
			t.Errorf("docs/operations.md's queries use %s, which is not a series it lists", name)
			continue
		}
		for _, l := range matcher.FindAllStringSubmatch(m[2], -1) {
			if l[1] != "le" && !slices.Contains(d.labels, l[1]) {
				t.Errorf("docs/operations.md's queries match %s on %q, not one of its labels %v", name, l[1], d.labels)
			}
		}
	}
}
