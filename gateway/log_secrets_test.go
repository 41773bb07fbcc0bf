package gateway_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// digits is a secret made of digits only.
var digits = regexp.MustCompile(`^[0-9]+$`)

// TestLogsHoldNoSecrets holds SECURITY.md's "logs never contain
// passwords, codes, session ids, tokens or full phone numbers": every
// line the gateway logs, at debug level, through sign-ins right and
// wrong, a password typed as the name, texted codes right and wrong, a
// code-only sign-in, sign-up, a reset by SMS, an administrator's new
// account and its set-password link (by the API, and opened as a page
// and by a scanner's HEAD), a reset's handle, admin bearer tokens good
// and bad, a forged session cookie, proxied requests with their
// assertion and sign-out, holds none of the secrets those steps carried;
// nor do the metrics served after them.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := newHarness(t, withAccounts, setup{logger: logger})

	type secret struct{ what, value string }
	secrets := []secret{
		{"alice's password", alice.password},
		{"bob's password", bob.password},
		{"alice's number", alice.phone},
		{"alice's number without +", strings.TrimPrefix(alice.phone, "+1")},
		{"bob's number", bob.phone},
		{"bob's number without +", strings.TrimPrefix(bob.phone, "+1")},
	}
	keep := func(what, value string) {
		t.Helper()
		if len(value) < 6 {
			t.Fatalf("%s %q is too short to look for in the logs", what, value)
		}
		secrets = append(secrets, secret{what, value})
	}
	cookies := func(c *client) {
		t.Helper()
		for _, ck := range c.jar.Cookies(cookieURL) {
			if len(ck.Value) >= 16 {
				keep("cookie "+ck.Name, ck.Value)
			}
		}
	}

	// A wrong password, and a password typed into the name field.
	const wrongPassword, typedAsName = "bob-wrong-guess-7731", "Tr0ub4dor&3-typed-as-the-name"
	keep("a wrong password", wrongPassword)
	keep("a password typed as the name", typedAsName)
	h.newClient(t).login(appHost, testUser{name: "bob", password: wrongPassword}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
	h.newClient(t).login(appHost, testUser{name: typedAsName, password: "whatever-else-1"}).wantError(t, http.StatusUnauthorized, "invalid_credentials")

	// alice signs in with both factors after a wrong code, and reaches an
	// app, which gets an assertion.
	admin := h.newClient(t)
	admin.login(crmHost, alice).wantStatus(t, http.StatusOK)
	code := h.sms.code(t, alice.phone)
	badCode := wrongCode(code, 1)
	keep("a wrong code", badCode)
	admin.api(crmHost, "otp", map[string]string{"code": badCode}).wantError(t, http.StatusUnauthorized, "invalid_code")
	admin.api(crmHost, "otp", map[string]string{"code": code}).wantStatus(t, http.StatusOK)
	admin.get(crmHost, "/reports?q=1").wantStatus(t, http.StatusOK)
	keep("an assertion", h.up.last(t).Header.Get("X-Auth-Assertion"))
	keep("a CSRF token", admin.csrfToken(appHost))
	cookies(admin)

	// Her console makes an account; its person sets a password by link.
	r := admin.api(authHost, "admin/users", map[string]any{"username": "erin", "name": "Erin Example", "email": "erin@example.com", "groups": []string{"staff"}})
	r.wantStatus(t, http.StatusCreated)
	link := linkToken(t, r)
	keep("a set-password link's token", link)
	const erinPassword = "erin-chose-this-one"
	keep("erin's password", erinPassword)
	h.newClient(t).api(appHost, "reset", map[string]string{"token": link, "password": erinPassword}).wantStatus(t, http.StatusOK)

	// Another's link opened as a person (and a scanner) opens it: the
	// page, its cookie, the form.
	r = admin.api(authHost, "admin/users", map[string]any{"username": "frank", "email": "frank@example.com"})
	r.wantStatus(t, http.StatusCreated)
	pageLink := linkToken(t, r)
	keep("a set-password link's token opened as a page", pageLink)
	const frankPassword = "frank-chose-this-one"
	keep("frank's password", frankPassword)
	h.newClient(t).do(request{method: http.MethodHead, host: authHost, path: prefix + "/reset?token=" + pageLink, accept: htmlAccept})
	// The link with its '?' encoded on the way (a mail filter that
	// re-encodes, a copy and paste): the path holds the token now.
	for _, mangled := range []string{"/reset%3Ftoken=", "/reset%3ftoken=", "/reset%253Ftoken="} {
		h.newClient(t).do(request{host: authHost, path: prefix + mangled + pageLink, accept: htmlAccept})
	}
	frank := h.newClient(t)
	frank.browse(authHost, prefix+"/reset?token="+pageLink).wantStatus(t, http.StatusSeeOther)
	frank.browse(authHost, prefix+"/reset?step=link").wantStatus(t, http.StatusOK)
	frank.form(authHost, "/reset", url.Values{"link": {"1"}, "username": {"frank"}, "password": {frankPassword}}).wantStatus(t, http.StatusSeeOther)

	// Admin bearer tokens, a good one and a forged one.
	tokens := auth.NewAdminTokens(h.store, h.signer.DeriveKey("admin-token"), h.clock)
	token, err := tokens.Create(context.Background(), "ci", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forgedToken := "ghadm_ci." + strings.Repeat("Q", 43)
	keep("an admin token", token)
	keep("a forged admin token", forgedToken)
	for tok, status := range map[string]int{token: http.StatusOK, forgedToken: http.StatusUnauthorized} {
		h.newClient(t).do(request{host: appHost, path: prefix + "/api/admin/users", accept: "application/json",
			header: http.Header{"Authorization": {"Bearer " + tok}}}).wantStatus(t, status)
	}

	// bob resets his password by SMS, then signs in with a code alone.
	const bobNew = "bob-new-passphrase-after-reset"
	keep("bob's new password", bobNew)
	recovery, err := h.recovery.Generate(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	keep("a recovery code", recovery[0])
	keep("a wrong recovery code", "zzzz-zzzz-zzzz")
	reset := h.newClient(t)
	asked := reset.api(appHost, "reset", map[string]string{"username": "bob"})
	asked.wantStatus(t, http.StatusOK)
	handle, _ := asked.jsonMap(t)["reset"].(string)
	keep("a reset's handle", handle)
	in := map[string]string{"username": "bob", "code": h.sms.code(t, bob.phone), "password": bobNew, "recovery_code": "zzzz-zzzz-zzzz", "reset": handle}
	reset.api(appHost, "reset", in).wantError(t, http.StatusUnauthorized, "invalid_recovery_code")
	in["recovery_code"] = recovery[0]
	reset.api(appHost, "reset", in).wantStatus(t, http.StatusOK)
	cookies(reset)
	codeOnly := h.newClient(t)
	codeOnly.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
	codeOnly.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, bob.phone)}).wantStatus(t, http.StatusOK)
	codeOnly.get(smsHost, "/").wantStatus(t, http.StatusOK)
	cookies(codeOnly)

	// A sign-up, its code and its password.
	const newbiePassword, newbiePhone = "a long unusual passphrase", "+12015550175"
	keep("a sign-up's password", newbiePassword)
	keep("a sign-up's number", newbiePhone)
	signup := h.newClient(t)
	signup.api(crmHost, "signup", map[string]string{"username": "newbie", "email": "newbie@example.com", "password": newbiePassword, "phone": newbiePhone}).wantStatus(t, http.StatusCreated)
	signup.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, newbiePhone)}).wantStatus(t, http.StatusOK)
	cookies(signup)

	// A forged session cookie, and alice signing out.
	forged := strings.Repeat("Zm9yZ2Vk", 6)
	keep("a forged session cookie", forged)
	h.clientWithCookie(t, forged).get(crmHost, "/").wantStatus(t, http.StatusUnauthorized)
	h.clientWithCookie(t, forged).browse(crmHost, "/").wantStatus(t, http.StatusFound)
	admin.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)

	for _, m := range h.sms.messages(t) {
		if c := codeRE.FindStringSubmatch(m.Body); c != nil {
			keep("a texted code", c[1])
		}
	}
	out := logs.String()
	if strings.Count(out, "\n") < 20 {
		t.Fatalf("only %d log lines: the test logs nothing it could check:\n%s", strings.Count(out, "\n"), out)
	}
	// The metrics the admin listener serves, after all that, too.
	metricsSrv := httptest.NewServer(h.gw.AdminHandler(h.registry))
	t.Cleanup(metricsSrv.Close)
	status, metrics := adminGet(t, metricsSrv.URL, "/metrics")
	if status != http.StatusOK || !strings.Contains(metrics, "gatehouse_otp_total") {
		t.Fatalf("/metrics = %d, without gatehouse_otp_total", status)
	}
	out += metrics
	for _, s := range secrets {
		// A run of digits (a code, a number without its +) counts where
		// no digit or dot touches it: durations and times are digits too.
		found := regexp.MustCompile(regexp.QuoteMeta(s.value))
		if digits.MatchString(s.value) {
			found = regexp.MustCompile(`(^|[^0-9.])` + s.value + `($|[^0-9])`)
		}
		for _, line := range strings.Split(out, "\n") {
			if found.MatchString(line) {
				t.Errorf("%s is in the logs: %s", s.what, line)
				break
			}
		}
	}
}
