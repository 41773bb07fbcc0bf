package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// values returns f of every valid sample of key.
func (r *series) values(key string, f func(sample) float64) []float64 {
	var out []float64
	for _, s := range r.byKey[key] {
		if s.err == nil {
			out = append(out, f(s))
		}
	}
	return out
}

// ratios returns f(a)/f(b) for every round where both are valid.
func (r *series) ratios(a, b string, f func(sample) float64) []float64 {
	sa, sb := r.byKey[a], r.byKey[b]
	var out []float64
	for i := range min(len(sa), len(sb)) {
		if sa[i].err != nil || sb[i].err != nil || f(sb[i]) == 0 {
			continue
		}
		out = append(out, f(sa[i])/f(sb[i]))
	}
	return out
}

func rps(s sample) float64 { return s.wrk.RPS() }
func p99(s sample) float64 { return s.wrk.P99US }

// target is one line of the ratios table.
type target struct {
	what   string
	want   string
	values []float64
	ok     func(float64) bool // nil: informational
	unit   string
}

func render(ctx context.Context, o options, r *series, mem *memReport, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Gatehouse benchmark\n\n")
	fmt.Fprintf(&b, "%s · %s · %d cores (%s) · %s · gatehouse %s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.Version(), runtime.NumCPU(), cpuModel(), kernel(ctx), gitDescribe(ctx))
	fmt.Fprintf(&b, "wrk, %d connections, keep-alive, 2 threads, %s per run, %d rounds of the whole series run alternately (took %s). "+
		"req/s, p50 and p99 are the median over rounds (req/s range in brackets); server CPU is the server process's utime+stime delta from /proc ÷ requests. "+
		"Every process shares the machine's cores with wrk.\n\n",
		o.conns, o.duration, r.rounds, took.Round(time.Second))

	b.WriteString("| scenario | req/s | p50 | p99 | server CPU µs/req |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, sc := range r.order {
		v := r.values(sc.key, rps)
		if len(v) == 0 {
			fmt.Fprintf(&b, "| %s | failed: %v | | | |\n", sc.label, firstErr(r.byKey[sc.key]))
			continue
		}
		fmt.Fprintf(&b, "| %s | %.0f (%.0f–%.0f) | %s | %s | %.1f |\n", sc.label,
			median(v), slices.Min(v), slices.Max(v),
			us(median(r.values(sc.key, func(s sample) float64 { return s.wrk.P50US }))),
			us(median(r.values(sc.key, p99))),
			median(r.values(sc.key, sample.CPUPerReq)))
	}

	targets := []target{
		// Targets as user outcomes (docs/performance.md): a check costs a
		// fraction of what the app's own request costs, and a login flood
		// does not slow signed-in people.
		{what: "forward-auth (Redis) ÷ plain Go", want: "≥ 0.60", values: r.ratios("fa-redis", "plain", rps), ok: atLeast(0.60)},
		{what: "forward-auth (Redis) p99 ÷ plain Go p99", want: "≤ 2", values: r.ratios("fa-redis", "plain", p99), ok: atMost(2)},
		{what: "forward-auth (Redis) server CPU", want: "≤ 45 µs", values: r.values("fa-redis", sample.CPUPerReq), ok: atMost(45), unit: " µs"},
		{what: "forward-auth (memory) ÷ plain Go", want: "≥ 0.65", values: r.ratios("fa-memory", "plain", rps), ok: atLeast(0.65)},
		{what: "proxy mode ÷ bare ReverseProxy", want: "≥ 0.85", values: r.ratios("proxy", "bare-proxy", rps), ok: atLeast(0.85)},
		{what: "proxy mode p99 ÷ bare ReverseProxy p99", want: "≤ 1.5", values: r.ratios("proxy", "bare-proxy", p99), ok: atMost(1.5)},
		{what: "proxy mode (memory store) ÷ bare ReverseProxy", want: "≥ 0.85", values: r.ratios("proxy-memory", "bare-proxy", rps), ok: atLeast(0.85)},
		{what: "proxy mode (memory store) p99 ÷ bare p99", want: "≤ 1.5", values: r.ratios("proxy-memory", "bare-proxy", p99), ok: atMost(1.5)},
		{what: "forward-auth during one-account flood ÷ without", want: "≥ 0.80", values: r.ratios("flood-one", "fa-redis", rps), ok: atLeast(0.80)},
		{what: "forward-auth during spraying flood ÷ without", want: "≥ 0.80", values: r.ratios("flood-spray", "fa-redis", rps), ok: atLeast(0.80)},
		{what: "forward-auth (Redis) ÷ plain Go given the same request", want: "(information)", values: r.ratios("fa-redis", "plain-fa", rps)},
		{what: "forward-auth (memory) ÷ plain Go given the same request", want: "(information)", values: r.ratios("fa-memory", "plain-fa", rps)},
		{what: "plain Go given forward-auth's request ÷ plain Go", want: "(information)", values: r.ratios("plain-fa", "plain", rps)},
		{what: "one-GET floor ÷ plain Go", want: "(≈ 0.54)", values: r.ratios("floor", "plain", rps)},
		{what: "bare ReverseProxy ÷ upstream direct", want: "(≈ 0.15)", values: r.ratios("bare-proxy", "direct", rps)},
	}
	b.WriteString("\n| ratio (same run, per round) | target | median | rounds | met |\n| --- | --- | ---: | --- | --- |\n")
	for _, t := range targets {
		if len(t.values) == 0 {
			continue
		}
		var each []string
		for _, v := range t.values {
			each = append(each, fmt.Sprintf("%.2f", v))
		}
		met := ""
		if t.ok != nil {
			met = "no"
			if t.ok(median(t.values)) {
				met = "yes"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %.2f%s | %s | %s |\n", t.what, t.want, median(t.values), t.unit, strings.Join(each, ", "), met)
	}

	if _, ok := r.byKey["fa-redis-before"]; ok {
		b.WriteString("\n### Before and after, same run\n\n")
		b.WriteString("| scenario | before req/s | after req/s | after ÷ before | before CPU µs/req | after CPU µs/req |\n| --- | ---: | ---: | ---: | ---: | ---: |\n")
		for _, k := range []string{"fa-redis", "fa-memory", "proxy", "flood-one"} {
			bv, av := r.values(k+"-before", rps), r.values(k, rps)
			if len(bv) == 0 || len(av) == 0 {
				continue
			}
			label := k
			for _, sc := range r.order {
				if sc.key == k {
					label = sc.label
				}
			}
			fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.2f | %.1f | %.1f |\n", label, median(bv), median(av),
				median(r.ratios(k, k+"-before", rps)),
				median(r.values(k+"-before", sample.CPUPerReq)), median(r.values(k, sample.CPUPerReq)))
		}
	}

	for _, key := range []string{"flood-one", "flood-spray"} {
		var att, refused []float64
		for _, s := range r.byKey[key] {
			if s.flood != nil {
				att = append(att, s.flood.RPS())
				if s.flood.Requests > 0 {
					refused = append(refused, float64(s.flood.Status)/float64(s.flood.Requests))
				}
			}
		}
		if len(att) > 0 {
			fmt.Fprintf(&b, "\n%s: %d connections sent %.0f wrong-password attempts/s (median); %.0f%% of them answered non-2xx (401, 429 or 503).",
				key, o.floodConns, median(att), 100*median(refused))
		}
	}
	if _, ok := r.byKey["flood-one"]; ok {
		b.WriteString("\n")
	}

	if mem != nil {
		fmt.Fprintf(&b, "\n## Memory\n\n")
		fmt.Fprintf(&b, "| measure | value |\n| --- | ---: |\n")
		fmt.Fprintf(&b, "| RSS, fresh gatehouse (Redis store), one session in use | %.1f MiB |\n", mib(mem.rssIdle))
		fmt.Fprintf(&b, "| RSS after %d s with %d active sessions in Redis (%.0f req/s, %d errors) | %.1f MiB (peak %.1f MiB) |\n",
			int(o.duration/time.Second), mem.sessions, mem.rps, mem.errors, mib(mem.rssActive), mib(mem.peakActive))
		worker := "none running (it exits after 10 s without a hash)"
		if mem.workerRSS > 0 {
			worker = fmt.Sprintf("%.1f MiB", mib(mem.workerRSS))
		}
		fmt.Fprintf(&b, "| RSS of its hash-worker child process (not in the figure above) | %s |\n", worker)
		fmt.Fprintf(&b, "| RSS of the gatehouse that ran the series, floods included | %.1f MiB (peak %.1f MiB) |\n", mib(mem.seriesRSS), mib(mem.seriesPeak))
		fmt.Fprintf(&b, "| memory store, Go heap per signed-in session | %.0f bytes |\n", mem.memstoreCost)
		met := "no"
		// The target is 40 MB, 40·10⁶ bytes: 38.1 MiB.
		if mem.rssActive < 40e6 && mem.errors == 0 {
			met = "yes"
		}
		fmt.Fprintf(&b, "\nRSS under 40 MB (38.1 MiB) at %d active sessions in Redis: %s (%.1f MB).\n", mem.sessions, met, float64(mem.rssActive)/1e6)
	}
	return b.String()
}

func atLeast(x float64) func(float64) bool { return func(v float64) bool { return v >= x } }
func atMost(x float64) func(float64) bool  { return func(v float64) bool { return v <= x } }

func firstErr(ss []sample) error {
	for _, s := range ss {
		if s.err != nil {
			return s.err
		}
	}
	return nil
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func kernel(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "uname", "-sr").Output()
	if err != nil {
		return runtime.GOOS
	}
	return strings.TrimSpace(string(out))
}

func gitDescribe(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "git", "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		return "dev"
	}
	return strings.TrimSpace(string(out))
}
