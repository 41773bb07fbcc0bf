package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// browser is one headless Chromium shared by a test's tabs.
type browser struct {
	ctx   context.Context
	shots string // screenshot folder
}

// startBrowser launches Chromium headless, without sandbox (tests may run
// as root in containers), GPU or background networking, with a fresh
// profile.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	exe := needChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return &browser{ctx: ctx, shots: artifactDir(t)}
}

// tab is one tab with a profile of its own (its own cookies), as a
// person on their own device.
type tab struct {
	t   *testing.T
	ctx context.Context
	b   *browser
	g   *gateway
	// noJS: the page's scripts are off (noScript); axe-core, itself a
	// script that waits on timers, cannot run there.
	noJS bool
}

// watchScript records script errors, resources that failed to load and
// Content-Security-Policy violations, for audit.
const watchScript = `
window.__problems = [];
window.addEventListener('error', function (e) {
  var el = e.target;
  if (el && el !== window && (el.src || el.href)) {
    window.__problems.push('failed to load ' + (el.src || el.href));
  } else {
    window.__problems.push('script error: ' + e.message);
  }
}, true);
document.addEventListener('securitypolicyviolation', function (e) {
  window.__problems.push('CSP blocked ' + e.violatedDirective + ' ' + e.blockedURI);
});
`

// newTab opens a tab in a new browser profile; extra scripts run in every
// page before the page's own.
func (b *browser) newTab(t *testing.T, g *gateway, scripts ...string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, b: b, g: g}
	// The first run opens the tab, which lives as long as that run's
	// context: it must not be a timed one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	for _, src := range append([]string{watchScript}, scripts...) {
		tb.do(chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
			_, err := cdp.Call(ctx, target, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
			return err
		}))
	}
	tb.do(chromedp.EmulateViewport(1280, 800))
	return tb
}

// timed bounds one step.
func (tb *tab) timed() (context.Context, context.CancelFunc) {
	return context.WithTimeout(tb.ctx, 15*time.Second)
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := tb.timed()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("on %s: %v", tb.location(), err)
	}
}

// run runs one action that returns a value.
func run[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := tb.timed()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("on %s: %v", tb.location(), err)
	}
	return v
}

// navigate runs steps that load a page and waits for it; it returns the
// status of the page (after redirects).
func (tb *tab) navigate(steps ...chromedp.Action[chromedp.Void]) int {
	tb.t.Helper()
	ctx, cancel := tb.timed()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		tb.t.Fatalf("on %s: %v", tb.location(), err)
	}
	return int(resp.Status)
}

// open loads a path of the gateway.
func (tb *tab) open(path string) int {
	tb.t.Helper()
	return tb.navigate(chromedp.Navigate(tb.g.base + path))
}

// click clicks what sel finds and waits for the page it leads to.
func (tb *tab) click(sel string) int {
	tb.t.Helper()
	return tb.navigate(chromedp.Click(chromedp.CSS(sel)))
}

// typeIn types text into the field sel finds, key by key, after clearing it.
func (tb *tab) typeIn(sel, text string) {
	tb.t.Helper()
	clear := "(function(){var e=document.querySelector(" + jsQuote(sel) + ");e.value='';return true})()"
	run(tb, chromedp.Evaluate[bool](clear))
	tb.do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return strings.TrimSpace(run(tb, chromedp.Text(chromedp.CSS(sel))))
}

func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown page: " + err.Error() + ")"
	}
	return loc
}

// path is the current location without the gateway's origin.
func (tb *tab) path() string {
	return strings.TrimPrefix(tb.location(), tb.g.base)
}

func evalJS[T any](tb *tab, js string) T {
	tb.t.Helper()
	return run(tb, chromedp.Evaluate[T](js))
}

// wantPath fails unless the current page's path (without query) is p.
func (tb *tab) wantPath(p string) {
	tb.t.Helper()
	u, err := url.Parse(tb.location())
	if err != nil || u.Path != p {
		tb.t.Fatalf("on %s, want path %s; page says: %s", tb.location(), p, tb.bodyText())
	}
}

func (tb *tab) bodyText() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	return s
}

// wantText fails unless the page shows text.
func (tb *tab) wantText(text string) {
	tb.t.Helper()
	if body := tb.bodyText(); !strings.Contains(body, text) {
		tb.t.Fatalf("%s does not show %q; it shows:\n%s", tb.location(), text, body)
	}
}

// auditScript lists what would trouble a screen reader or keyboard user,
// plus script errors, failed loads and CSP violations seen by the page.
const auditScript = `(function () {
  var problems = [];
  var all = function (s) { return Array.prototype.slice.call(document.querySelectorAll(s)); };
  var visible = function (e) { return !e.hidden && e.type !== 'hidden' && e.getClientRects().length > 0; };
  if (!document.documentElement.lang) problems.push('the page has no lang');
  if (!document.title) problems.push('the page has no title');
  var h1 = all('h1');
  if (h1.length !== 1) problems.push(h1.length + ' h1 headings, want 1');
  var ids = {};
  all('[id]').forEach(function (e) { if (ids[e.id]) problems.push('duplicate id ' + e.id); ids[e.id] = true; });
  var described = {};
  all('input, select, textarea').filter(visible).forEach(function (e) {
    var name = e.name || e.id;
    var label = (e.id && document.querySelector('label[for="' + e.id + '"]')) || e.closest('label') ||
      e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
    if (!label) problems.push('input ' + name + ' has no label');
    (e.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean).forEach(function (id) {
      described[id] = true;
      if (!document.getElementById(id)) problems.push('input ' + name + ' is described by a missing #' + id);
    });
    if (e.getAttribute('aria-invalid') === 'true' && !e.getAttribute('aria-describedby'))
      problems.push('invalid input ' + name + ' is not tied to its error');
  });
  all('.field-error').forEach(function (e) {
    if (!e.id || !described[e.id]) problems.push('error "' + e.textContent.trim() + '" is tied to no input');
  });
  all('button, a[href]').filter(visible).forEach(function (e) {
    if (!(e.textContent.trim() || e.getAttribute('aria-label'))) problems.push('a ' + e.tagName.toLowerCase() + ' without a name');
    var r = e.getBoundingClientRect();
    if (e.tagName === 'BUTTON' && (r.height < 24 || r.width < 24)) problems.push('button "' + e.textContent.trim() + '" is smaller than 24px');
  });
  all('img').forEach(function (e) {
    if (!e.hasAttribute('alt')) problems.push('an image without alt');
    if (e.complete && e.naturalWidth === 0) problems.push('image ' + e.src + ' did not load');
  });
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push('the page scrolls sideways');
  return problems.concat(window.__problems || []);
})()`

// audit fails the test for each accessibility or page problem.
func (tb *tab) audit() {
	tb.t.Helper()
	for _, p := range evalJS[[]string](tb, auditScript) {
		tb.t.Errorf("%s: %s", tb.path(), p)
	}
	tb.axe()
}

// viewports are the sizes every page is captured at.
var viewports = []struct {
	name string
	w, h int64
	opts []chromedp.EmulateViewportOption
}{
	{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}},
	{"desktop", 1280, 800, nil},
}

// shot audits the page at each viewport size and saves a screenshot of
// it as NAME-phone.png and NAME-desktop.png.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	for _, v := range viewports {
		tb.do(chromedp.EmulateViewport(v.w, v.h, v.opts...))
		tb.audit()
		png := run(tb, chromedp.FullScreenshot(100))
		file := filepath.Join(tb.b.shots, fmt.Sprintf("%s-%s.png", name, v.name))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
	tb.do(chromedp.EmulateViewport(1280, 800))
}

// colorScheme makes the page's prefers-color-scheme "dark" or "light".
func (tb *tab) colorScheme(scheme string) {
	tb.t.Helper()
	tb.do(chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	}))
}

// timezone makes the page's clock run in the IANA zone tz.
func (tb *tab) timezone(tz string) {
	tb.t.Helper()
	tb.do(chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: tz})
		return err
	}))
}

// cookie returns the named cookie of the gateway's origin, or nil.
func (tb *tab) cookie(name string) *network.Cookie {
	tb.t.Helper()
	res := run(tb, func(ctx context.Context, target *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, target, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.g.base + "/"}})
	})
	for _, c := range res.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// waitJS waits until the JavaScript expression is true. A poll whose
// page was replaced under it (a navigation still settling on a loaded
// machine: Chrome answers "Cannot find context with specified id") is
// asked again in the new page, within the same limit.
func (tb *tab) waitJS(what, expr string, limit time.Duration) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, limit)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil {
			return
		}
		if ctx.Err() != nil || !strings.Contains(err.Error(), "Cannot find context with specified id") {
			tb.t.Fatalf("on %s: waiting for %s: %v", tb.location(), what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
