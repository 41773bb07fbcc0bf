package fakesms

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// Failure is an injected failure: how a fake answers instead of doing its
// job. The zero Failure answers normally.
type Failure struct {
	// Status is the HTTP status to answer with (0: answer normally after
	// Delay).
	Status int
	// Code and Message make the provider's error body: Twilio's "code",
	// Sinch's "errorCode". Code 0 leaves the code out.
	Code    int
	Message string
	// Body, when set, is sent as is instead (text/html), like a proxy's
	// error page.
	Body string
	// Header is added to the answer (e.g. Retry-After).
	Header http.Header
	// Delay holds the answer back this long, or until the client gives up.
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
	// After does the job first (the message is sent, the verification
	// started) and then fails: with Drop the connection closes without
	// an answer, else the job's status and headers go out with half its
	// body and the connection closes. It is a provider that took the
	// request and whose answer was lost on the way back.
	After bool
}

// Request is one request a fake received.
type Request struct {
	Method, Path string
	Status       int // what the fake answered (0 for a dropped connection)
}

// base is what every fake shares: the failure queue and the request log.
type base struct {
	mu       sync.Mutex
	next     []Failure
	always   *Failure
	requests []Request
}

// FailNext makes the next len(fs) requests fail, in order.
func (b *base) FailNext(fs ...Failure) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next = append(b.next, fs...)
}

// FailAll makes every request fail with f until FailAll(nil).
func (b *base) FailAll(f *Failure) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f == nil {
		b.always = nil
		return
	}
	c := *f
	b.always = &c
}

// Requests returns every request received so far.
func (b *base) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.requests)
}

// takeFailure returns the failure for the current request, if any.
func (b *base) takeFailure() (Failure, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.next) > 0 {
		f := b.next[0]
		b.next = b.next[1:]
		return f, true
	}
	if b.always != nil {
		return *b.always, true
	}
	return Failure{}, false
}

func (b *base) log(r *http.Request, status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests = append(b.requests, Request{Method: r.Method, Path: r.URL.Path, Status: status})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// serve runs an injected failure if there is one, else next; errBody
// renders a provider error body for a failure with a code.
func (b *base) serve(w http.ResponseWriter, r *http.Request, next http.HandlerFunc, errBody func(Failure) any) {
	sw := &statusWriter{ResponseWriter: w}
	defer func() { b.log(r, sw.status) }()
	f, failing := b.takeFailure()
	if !failing {
		next(sw, r)
		return
	}
	if f.After {
		afterTheJob(w, r, next, f.Drop)
		return
	}
	if f.Delay > 0 {
		// Read the body first: the server notices a client hanging up
		// only once the request body is consumed.
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the client gave up: nobody reads an answer
		}
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.Status == 0 {
		next(sw, r)
		return
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			sw.Header().Add(k, v)
		}
	}
	if f.Body != "" {
		sw.Header().Set("Content-Type", "text/html; charset=utf-8")
		sw.WriteHeader(f.Status)
		sw.Write([]byte(f.Body))
		return
	}
	writeJSON(sw, f.Status, errBody(f))
}

// afterTheJob runs next, then loses its answer: none at all (drop), or
// its status and headers with half its body.
func afterTheJob(w http.ResponseWriter, r *http.Request, next http.HandlerFunc, drop bool) {
	rec := httptest.NewRecorder()
	next(rec, r)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	if drop {
		return
	}
	body := rec.Body.Bytes()
	fmt.Fprintf(conn, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	rec.Header().Set("Content-Length", strconv.Itoa(len(body)))
	rec.Header().Write(conn)
	fmt.Fprint(conn, "\r\n")
	conn.Write(body[:len(body)/2])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// validNumber reports whether s is a valid E.164 number, as the providers
// judge it (libphonenumber's rules), and returns its region.
func validNumber(s string) (string, bool) {
	if !strings.HasPrefix(s, "+") {
		return "", false
	}
	num, err := phonenumbers.Parse(s, "")
	if err != nil || !phonenumbers.IsValidNumber(num) || phonenumbers.Format(num, phonenumbers.E164) != s {
		return "", false
	}
	return phonenumbers.GetRegionCodeForNumber(num), true
}

// numberSet is a set of E.164 numbers or ISO regions given as options.
type numberSet []string

func (s numberSet) has(v string) bool {
	for _, x := range s {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// orNow returns now, or time.Now when now is nil.
func orNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}
