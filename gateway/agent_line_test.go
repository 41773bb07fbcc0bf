package gateway_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestSessionAgentsShowWhatTheyHold: a session keeps the User-Agent it
// signed in with, which anyone signing in chooses, and the console shows
// it (the account's sessions, every live session, the device's name for
// one it does not know) as `gatehouse user sessions` prints it. Before,
// it was kept as sent: a right-to-left override or isolate turned the
// text after it around on those pages, a C1 control (CSI, U+009B)
// reached an operator's terminal, and the cut at 200 bytes could split a
// character. Now the characters a display name may not hold are dropped
// and the cut falls between characters.
func TestSessionAgentsShowWhatTheyHold(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	const bad = "\u202e\u2066\u202a\u2028\u0085\u009b\ufffd"
	agent := "Strange\u202eReader\u2069 \u009b2J \u2028x" + strings.Repeat("é", 120) // the cut falls inside an é
	c := h.newClient(t)
	c.do(request{method: http.MethodPost, host: appHost, path: prefix + "/api/login", contentType: "application/json", accept: "application/json",
		body: strings.NewReader(`{"username":"bob","password":"` + bob.password + `"}`), header: http.Header{"User-Agent": {agent}}}).wantStatus(t, http.StatusOK)
	c.get(appHost, "/").wantStatus(t, http.StatusOK)

	for what, r := range map[string]reply{
		"every live session (API)":  consoleGet(admin, "sessions"),
		"bob's sessions (API)":      consoleGet(admin, "users/bob"),
		"every live session (page)": admin.get(authHost, prefix+"/admin/sessions"),
		"bob's page":                admin.get(authHost, prefix+"/admin/users/bob"),
	} {
		r.wantStatus(t, http.StatusOK)
		body := string(r.body)
		if !strings.Contains(body, "StrangeReader") {
			t.Errorf("%s does not show bob's agent: %s", what, body)
		}
		if i := strings.IndexAny(body, bad); i >= 0 {
			t.Errorf("%s holds %+q from bob's User-Agent", what, []rune(body[i:])[0])
		}
	}
}
