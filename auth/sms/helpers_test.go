package sms_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// newServer serves h on a local test server for the test and returns its
// URL.
func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
