package browser

import (
	"os"
	"sync"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, from the file GATEHOUSE_AXE names (make test
// fetches it: scripts/axe.sh); "" when unset.
var axeSource = sync.OnceValues(func() (string, error) {
	p := os.Getenv("GATEHOUSE_AXE")
	if p == "" {
		return "", nil
	}
	b, err := os.ReadFile(p)
	return string(b), err
})

// axeRun runs axe-core's WCAG 2.1 A and AA rules on the page and returns
// each violation as "rule: help (elements)".
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(function (r) { return r.violations.map(function (v) {
    return v.id + ': ' + v.help + ' (' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', ') + ')';
  }); })`

// axe fails the test for each violation axe-core finds on the page. In CI
// axe-core must be there (make test fetches it); elsewhere a run without
// it says so once and checks with the suite's own audit only.
func (tb *tab) axe() {
	tb.t.Helper()
	src, err := axeSource()
	if err != nil {
		tb.t.Fatalf("axe-core: %v", err)
	}
	if tb.noJS {
		return // the same pages with scripts on are checked elsewhere
	}
	if src == "" {
		if os.Getenv("CI") != "" {
			tb.t.Fatal("GATEHOUSE_AXE is not set (CI is): run the browser tests with make test, which fetches axe-core")
		}
		axeMissing.Do(func() { tb.t.Log("GATEHOUSE_AXE is not set: pages are not checked with axe-core (make test sets it)") })
		return
	}
	if !run(tb, chromedp.Evaluate[bool]("typeof axe !== 'undefined'")) {
		run(tb, chromedp.Evaluate[bool](src+";true"))
	}
	for _, v := range run(tb, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise)) {
		tb.t.Errorf("%s: axe-core: %s", tb.path(), v)
	}
}

var axeMissing sync.Once
