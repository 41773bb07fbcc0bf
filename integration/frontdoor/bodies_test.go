package frontdoor_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net/http"
	"testing"
)

// checkBodies sends a signed-in POST and PUT with 400 KB bodies through
// the front door: the front door asks Gatehouse with a bodiless request,
// so the body must still reach the app whole, with a length (POST) and
// chunked (PUT).
func checkBodies(t *testing.T, w *world, b *browser) {
	body := make([]byte, 400<<10)
	if _, err := rand.Read(body); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	for _, tc := range []struct {
		method  string
		chunked bool
	}{
		{http.MethodPost, false},
		{http.MethodPut, true},
	} {
		var r io.Reader = bytes.NewReader(body)
		if tc.chunked {
			r = io.MultiReader(r) // no length known: the client sends it chunked
		}
		req, err := http.NewRequest(tc.method, w.appURL+"/deals/upload?id=7", r)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Accept", "application/json")
		before := w.app.count()
		b.do(req).wantStatus(t, http.StatusOK)
		if n := w.app.count() - before; n != 1 {
			t.Fatalf("%s: %d requests reached the app, want 1", tc.method, n)
		}
		got := w.app.last(t)
		if got.Method != tc.method || got.Path != "/deals/upload" || got.BodyLen != int64(len(body)) || got.BodySum != sum {
			t.Errorf("%s (chunked %v): the app got %s %s with %d bytes (sha256 match %v), want %d bytes intact",
				tc.method, tc.chunked, got.Method, got.Path, got.BodyLen, got.BodySum == sum, len(body))
		}
		if u := identityValues(got.Header)["X-Auth-User"]; len(u) != 1 || u[0] != alice.name {
			t.Errorf("%s: the app got X-Auth-User %q", tc.method, u)
		}
	}
}
