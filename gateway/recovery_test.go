package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

var recoveryCodeRe = regexp.MustCompile(`<code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code>`)

// backends runs a test with the file and the redis user backend: recovery
// codes live in the store, keyed by username, so both must have them.
var backends = []struct {
	name string
	s    setup
}{
	{"file", setup{}},
	{"redis", withAccounts},
}

// portalSignIn signs u in through the portal's forms for rd on host and
// returns where the code step sent the browser.
func portalSignIn(t *testing.T, h *harness, c *client, host string, u testUser, rd string) string {
	t.Helper()
	r := c.form(host, "/login", url.Values{"username": {u.name}, "password": {u.password}, "rd": {rd}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), prefix+"/otp") {
		t.Fatalf("password step: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
	}
	r = c.form(host, "/otp", url.Values{"code": {h.sms.code(t, u.phone)}, "rd": {rd}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("code step: %d\n%s", r.status, r.body)
	}
	return r.header.Get("Location")
}

// TestRecoveryCodesOfferedOnceAndStandInForTheCode: the first two-factor
// sign-in offers a set of recovery codes; made, they are shown once. A
// code then signs in after the password instead of the text message,
// once, and leads to the account page to bind a phone that works again.
func TestRecoveryCodesOfferedOnceAndStandInForTheCode(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, b.s, setup{offerRecovery: true})
			c := h.newClient(t)
			rd := "https://" + crmHost + "/deals"
			loc := portalSignIn(t, h, c, authHost, alice, rd)
			if want := prefix + "/recovery-codes?rd=" + url.QueryEscape(rd); loc != want {
				t.Fatalf("first two-factor sign-in went to %q, want the offer %q", loc, want)
			}
			offer := c.browse(authHost, loc)
			offer.wantStatus(t, http.StatusOK)
			if !strings.Contains(string(offer.body), `action="/_gatehouse/recovery-codes"`) {
				t.Fatalf("offer page has no form to make codes:\n%s", offer.body)
			}
			made := c.form(authHost, "/recovery-codes", url.Values{"rd": {rd}})
			made.wantStatus(t, http.StatusOK)
			codes := recoveryCodeRe.FindAllStringSubmatch(string(made.body), -1)
			if len(codes) != auth.RecoveryCodeCount {
				t.Fatalf("%d codes shown, want %d:\n%s", len(codes), auth.RecoveryCodeCount, made.body)
			}
			if cc := made.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("codes page Cache-Control %q, want no-store", cc)
			}
			// The offer is made once: the next sign-in goes straight on.
			if loc := portalSignIn(t, h, h.newClient(t), crmHost, alice, rd); loc != rd {
				t.Fatalf("second sign-in went to %q, want %q", loc, rd)
			}

			// Phone lost: password, then a recovery code.
			lost := h.newClient(t)
			r := lost.form(crmHost, "/login", url.Values{"username": {alice.name}, "password": {alice.password}, "rd": {rd}})
			r.wantStatus(t, http.StatusSeeOther)
			otp := lost.browse(crmHost, r.header.Get("Location"))
			if !strings.Contains(string(otp.body), prefix+"/recovery") {
				t.Fatalf("code page offers no recovery code:\n%s", otp.body)
			}
			lost.get(crmHost, "/deals").wantError(t, http.StatusUnauthorized, "step_up_required")
			code := strings.ToUpper(strings.ReplaceAll(codes[3][1], "-", " ")) // as typed off paper
			r = lost.form(crmHost, "/recovery", url.Values{"recovery_code": {code}, "rd": {rd}})
			// On to public_url's account page (served there only).
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), publicURL+prefix+"/account?") {
				t.Fatalf("recovery code: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
			}
			lost.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
			if got := h.up.last(t).Header.Get("X-Auth-Methods"); got != "pwd,rc" {
				t.Errorf("X-Auth-Methods = %q, want pwd,rc", got)
			}
			page := lost.browse(authHost, strings.TrimPrefix(r.header.Get("Location"), publicURL))
			page.wantStatus(t, http.StatusOK)
			for _, want := range []string{"You signed in with a recovery code", "You have 9 of 10 recovery codes left", `href="` + rd + `"`} {
				if !strings.Contains(string(page.body), want) {
					t.Errorf("account page after recovery lacks %q", want)
				}
			}

			// Once only, whoever tries it.
			again := h.newClient(t)
			again.login(crmHost, alice).wantStatus(t, http.StatusOK)
			again.api(crmHost, "recovery", map[string]string{"code": codes[3][1]}).wantError(t, http.StatusUnauthorized, "invalid_recovery_code")
			again.api(crmHost, "recovery", map[string]string{"code": codes[4][1]}).wantStatus(t, http.StatusOK)
			again.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
		})
	}
}

// TestRecoveryCodeNeverReplacesThePassword: a recovery code after no
// password, or after a password proved long ago, signs nobody in, and
// wrong codes count towards a ban like wrong text-message codes.
func TestRecoveryCodeNeverReplacesThePassword(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	codes, err := h.recovery.Generate(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	h.newClient(t).api(crmHost, "recovery", map[string]string{"code": codes[0]}).wantError(t, http.StatusUnauthorized, "password_first")

	stale := h.newClient(t)
	stale.login(appHost, alice).wantStatus(t, http.StatusOK)
	h.clock.Advance(auth.CredentialChangeAge + time.Second)
	stale.api(crmHost, "recovery", map[string]string{"code": codes[0]}).wantError(t, http.StatusUnauthorized, "password_first")

	guesser := h.newClient(t)
	guesser.login(crmHost, alice).wantStatus(t, http.StatusOK)
	banned := false
	for i := 0; i < 10 && !banned; i++ {
		r := guesser.api(crmHost, "recovery", map[string]string{"code": "aaaa-bbbb-cccc"})
		switch r.errorCode(t) {
		case "invalid_recovery_code":
		case "banned":
			banned = true
		default:
			t.Fatalf("guess %d: %d %s", i, r.status, r.body)
		}
	}
	if !banned {
		t.Fatal("10 wrong recovery codes and no ban")
	}
	// The ban holds for the right code too.
	guesser.api(crmHost, "recovery", map[string]string{"code": codes[0]}).wantError(t, http.StatusTooManyRequests, "banned")
}

// TestRecoveryCodesNeedEveryProof: making a set binds a backup of the
// phone, so a password-only session cannot (nor read how many are left),
// and a new set kills the old one.
func TestRecoveryCodesNeedEveryProof(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pwdOnly := h.newClient(t)
	pwdOnly.signIn(appHost, alice) // the password route asks no code
	pwdOnly.api(authHost, "recovery-codes", map[string]any{}).wantError(t, http.StatusUnauthorized, "step_up_required")
	pwdOnly.get(authHost, prefix+"/api/recovery-codes").wantError(t, http.StatusUnauthorized, "step_up_required")
	if r := pwdOnly.form(authHost, "/recovery-codes", url.Values{}); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "/login") {
		t.Fatalf("password-only session making codes on the portal: %d %s", r.status, r.header.Get("Location"))
	}

	full := h.newClient(t)
	full.signIn(crmHost, alice)
	r := full.api(authHost, "recovery-codes", map[string]any{})
	r.wantStatus(t, http.StatusOK)
	var first []string
	for _, v := range r.jsonMap(t)["codes"].([]any) {
		first = append(first, v.(string))
	}
	if len(first) != auth.RecoveryCodeCount {
		t.Fatalf("%d codes, want %d", len(first), auth.RecoveryCodeCount)
	}
	if m := full.get(authHost, prefix+"/api/recovery-codes").jsonMap(t); m["left"] != float64(10) || m["made"] != true {
		t.Fatalf("status %v", m)
	}
	full.api(authHost, "recovery-codes", map[string]any{}).wantStatus(t, http.StatusOK)
	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	c.api(crmHost, "recovery", map[string]string{"code": first[0]}).wantError(t, http.StatusUnauthorized, "invalid_recovery_code")
}

// TestFirstPhoneNeedsASecondProof: an account without a phone binds its
// first one with the password and a code its administrator issued, never
// with the password alone (which would turn a stolen password into both
// factors). Before, the account page moved a phone-less account to any
// number on the password alone.
func TestFirstPhoneNeedsASecondProof(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	erin := testUser{name: "erin", password: "erin-has-no-phone-yet"}
	hash, err := testHasher.Hash(context.Background(), erin.password)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.users.Add(context.Background(), &auth.User{Username: erin.name, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	thief := h.newClient(t)
	thief.signIn(appHost, erin)
	r := thief.form(authHost, "/account/phone", url.Values{"phone": {"+1 201 555 0166"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "/login") {
		t.Fatalf("password alone binding a first phone: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
	}
	if n := len(h.sms.messages(t)); n != 0 {
		t.Fatalf("%d SMS sent to the thief's number", n)
	}

	// The owner asks an administrator: password, then the issued code.
	issued, err := h.recovery.Issue(context.Background(), "erin")
	if err != nil {
		t.Fatal(err)
	}
	owner := h.newClient(t)
	r = owner.form(crmHost, "/login", url.Values{"username": {erin.name}, "password": {erin.password}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), prefix+"/recovery?") {
		t.Fatalf("password of a phone-less account on a two-factor route: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
	}
	owner.form(crmHost, "/recovery", url.Values{"recovery_code": {issued}}).wantStatus(t, http.StatusSeeOther)
	owner.form(authHost, "/account/phone", url.Values{"phone": {"+1 201 555 0167"}}).wantStatus(t, http.StatusSeeOther)
	owner.form(authHost, "/account/phone/verify", url.Values{"code": {h.sms.code(t, "+12015550167")}}).wantStatus(t, http.StatusSeeOther)
	u, err := h.users.Lookup(context.Background(), "erin")
	if err != nil || u.Phone != "+12015550167" {
		t.Fatalf("erin's phone = %v, %v", u, err)
	}
}

// TestResetNeedsTwoProofs: for an account that signs in with two factors
// (here: any route asks for two), the text-message code alone no longer
// resets the password, which would have let a stolen SIM pass two_factor
// (password reset by SMS, then password + SMS). The code is asked first,
// so the answer says nothing to whoever lacks it; a missing or wrong
// recovery code keeps the text-message code for another try.
func TestResetNeedsTwoProofs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	codes, err := h.recovery.Generate(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	c := h.newClient(t)
	c.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
	sms := h.sms.code(t, bob.phone)
	in := map[string]string{"username": "bob", "code": sms, "password": "a brand new passphrase"}
	r := c.api(appHost, "reset", in)
	r.wantError(t, http.StatusBadRequest, "invalid_input")
	if f := fields(t, r); f["recovery_code"] == nil {
		t.Fatalf("reset by SMS alone answered %s, want the recovery_code field", r.body)
	}
	in["recovery_code"] = "zzzz-zzzz-zzzz"
	c.api(appHost, "reset", in).wantError(t, http.StatusUnauthorized, "invalid_recovery_code")
	h.newClient(t).login(appHost, testUser{name: "bob", password: "a brand new passphrase"}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
	in["recovery_code"] = codes[0]
	c.api(appHost, "reset", in).wantStatus(t, http.StatusOK)
	h.newClient(t).login(appHost, testUser{name: "bob", password: "a brand new passphrase"}).wantStatus(t, http.StatusOK)
	if left, err := h.recovery.Status(context.Background(), "bob"); err != nil || left.Left != 9 {
		t.Fatalf("after the reset: %+v, %v; want 9 codes left", left, err)
	}

	t.Run("page asks for it", func(t *testing.T) {
		c := h.newClient(t)
		r := c.form(appHost, "/reset", url.Values{"username": {"bob"}})
		if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || strings.Contains(loc, "bob") {
			t.Fatalf("reset step one: %d %q, want a redirect without the name typed", r.status, loc)
		}
		page := c.browse(appHost, r.header.Get("Location"))
		if !strings.Contains(string(page.body), `name="recovery_code"`) {
			t.Fatalf("reset form lacks the recovery code field:\n%s", page.body)
		}
	})
	t.Run("reset off", func(t *testing.T) {
		h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) { cfg.Users.Reset.Enabled = false }})
		h.newClient(t).api(appHost, "reset", map[string]string{"username": "bob"}).wantError(t, http.StatusNotFound, "reset_unavailable")
		if n := len(h.sms.messages(t)); n != 0 {
			t.Fatalf("%d SMS sent with reset off", n)
		}
	})
}
