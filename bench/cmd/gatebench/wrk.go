package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// reportLua makes wrk print its summary as one JSON line, with exact
// percentiles in microseconds.
const reportLua = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'GATEBENCH {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%.0f,"p99_us":%.0f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`

// cookiesLua cycles through the Cookie header values in the file given
// as its argument, one per request, each thread from its own offset.
const cookiesLua = `
local cookies = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do cookies[#cookies + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  i = math.random(#cookies)
end
request = function()
  i = i + 1
  if i > #cookies then i = 1 end
  wrk.headers["Cookie"] = cookies[i]
  return wrk.format()
end
`

// floodOneLua is a wrong-password flood against one account from one
// client: regulation bans the name after max_failures and the address
// after 10 × max_failures, so most attempts are refused before hashing.
const floodOneLua = `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"alice","password":"not-her-password"}'
`

// floodSprayLua is the worst case for hashing: every attempt names a
// different account and claims a different client address (through a
// trusted proxy's X-Forwarded-For), so regulation never stops it and each
// attempt costs one Argon2id hash, bounded by hashing.max_concurrent.
const floodSprayLua = `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end
request = function()
  n = n + 1
  local user = string.format("spray-%d-%d", math.random(1, 1000000000), n)
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  local body = '{"username":"' .. user .. '","password":"not-the-password"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip}, body)
end
`

// wrkResult is one wrk run.
type wrkResult struct {
	Requests   int64   `json:"requests"`
	DurationUS int64   `json:"duration_us"`
	Connect    int64   `json:"connect"`
	Read       int64   `json:"read"`
	Write      int64   `json:"write"`
	Status     int64   `json:"status"` // non-2xx/3xx answers
	Timeout    int64   `json:"timeout"`
	P50US      float64 `json:"p50_us"`
	P99US      float64 `json:"p99_us"`
}

// RPS is requests per second.
func (r wrkResult) RPS() float64 {
	if r.DurationUS == 0 {
		return 0
	}
	return float64(r.Requests) / (float64(r.DurationUS) / 1e6)
}

// errors counts every failed request.
func (r wrkResult) errors() int64 { return r.Connect + r.Read + r.Write + r.Status + r.Timeout }

// load is one wrk invocation.
type load struct {
	url     string
	headers []string // "Name: value"
	script  string   // Lua source appended to the reporting script
	args    []string // script arguments
	conns   int
	threads int
}

// writeScripts writes the Lua sources into dir and returns their paths by
// name.
func writeScripts(dir string) (map[string]string, error) {
	paths := map[string]string{}
	for name, src := range map[string]string{
		"report":  "",
		"cookies": cookiesLua,
		"one":     floodOneLua,
		"spray":   floodSprayLua,
	} {
		p := filepath.Join(dir, name+".lua")
		if err := os.WriteFile(p, []byte(src+reportLua), 0o600); err != nil {
			return nil, err
		}
		paths[name] = p
	}
	return paths, nil
}

// runWrk runs l for d and returns wrk's summary.
func runWrk(ctx context.Context, l load, d time.Duration) (wrkResult, error) {
	threads := l.threads
	if threads == 0 {
		threads = 2
	}
	args := []string{
		"-t", strconv.Itoa(threads), "-c", strconv.Itoa(l.conns),
		"-d", fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second)),
		"--timeout", "10s", "-s", l.script,
	}
	for _, h := range l.headers {
		args = append(args, "-H", h)
	}
	args = append(args, l.url)
	if len(l.args) > 0 {
		args = append(args, "--")
		args = append(args, l.args...)
	}
	cmd := exec.CommandContext(ctx, "wrk", args...) //nolint:gosec // G204: wrk, with the URLs, headers and scripts of gatebench's own scenarios
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %w: %s", l.url, err, errOut.String())
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "GATEBENCH "); ok {
			var r wrkResult
			if err := json.Unmarshal([]byte(rest), &r); err != nil {
				return wrkResult{}, fmt.Errorf("wrk output: %w", err)
			}
			return r, nil
		}
	}
	return wrkResult{}, fmt.Errorf("wrk %s printed no summary:\n%s%s", l.url, out.String(), errOut.String())
}
