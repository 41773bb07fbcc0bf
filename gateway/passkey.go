package gateway

// Passkeys on the portal (docs/contract.md, "Passkeys"): the passkey as
// the second factor after the password or as a step-up, the account
// page's list, and removing a key. The ceremonies themselves run in the
// portal's script over the JSON API (passkey_api.go).

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gin-gonic/gin"
)

// passkeyView is what the pages show of passkeys.
type passkeyView struct {
	Keys []passkeyRow // the account page: the account's keys
	// The second-factor page: the other ways the target takes, and
	// whether it takes only a key that verifies the person (policy
	// passkey): the key is asked to, and a key that did not is told so.
	OTP, SMS, Verify bool
	// Confirm is where the account page's script sends the person when
	// registering needs fresher proofs; Done where it goes once a key is
	// added (the account page, saying so to this browser).
	Confirm, Done string
}

// passkeyRow is one key on the account page.
type passkeyRow struct {
	ID, Name, Created, LastUsed string
}

// newPasskeys is the passkey service of cfg (nil when passkeys.enabled is
// off) over kv, which must be a store.
func newPasskeys(cfg *config.Config, kv auth.KV, signer *auth.Signer, clock auth.Clock) (*auth.Passkeys, error) {
	if !cfg.Passkeys.Enabled {
		return nil, nil
	}
	st, ok := kv.(auth.Store)
	if !ok {
		return nil, errors.New("gateway: passkeys need a state store")
	}
	rpID, name, origins := cfg.PasskeyRP()
	return auth.NewPasskeys(st, signer.DeriveKey("passkey"), auth.PasskeyConfig{RPID: rpID, RPDisplayName: name, Origins: origins}, clock)
}

// pageClient is the request's client with the origin of the portal page
// that sent it, which passkey ceremonies are bound to (docs/contract.md,
// "Passkeys"): the request's Origin, which the JSON API has already
// refused for another host or port (checkJSON), else public_url's scheme
// and the host the request was sent to (public_url's port on its host,
// when a front door dropped it). Either way a host the request reached.
func (s *core) pageClient(c *gin.Context) auth.Client {
	cl := s.client(c)
	r := c.Request
	if o := strings.TrimSpace(r.Header.Get("Origin")); o != "" && o != "null" {
		cl.Origin = o
		return cl
	}
	if host, _, _ := s.asked(r); host != "" {
		cl.Origin = s.publicURL.Scheme + "://" + host
	}
	return cl
}

// secondChoices are the second factors u has that the target of rd
// takes, strongest first: what the person asked for one may use instead.
func (s *core) secondChoices(ctx context.Context, sess *auth.Session, u *auth.User, rt *route) []string {
	_, accepted, err := s.secondNeeded(ctx, sess, u, rt)
	if err != nil {
		return nil
	}
	f, err := s.login.Factors(ctx, u)
	if err != nil {
		// The store did not say: the phone, on the account itself, is
		// still a way in.
		f = auth.Factors{Phone: u.Phone != ""}
	}
	var out []string
	for _, m := range accepted {
		if f.Has(m) {
			out = append(out, m)
		}
	}
	return out
}

// keyInstead reports whether the person of sess, waiting for a text
// message after the password, may use a passkey instead: they have one
// and the target of rd takes it.
func (s *core) keyInstead(c *gin.Context, sess *auth.Session, rd string) bool {
	if !s.cfg.Passkeys.Enabled || sess.Pending == nil || sess.Pending.Purpose != auth.PurposeLogin || sess.Pending.User == "" || !sess.Satisfies(auth.MethodPassword, time.Time{}) {
		return false
	}
	ctx := c.Request.Context()
	u, err := s.users.Lookup(ctx, sess.User)
	if err != nil || u.Username != sess.Pending.User {
		return false
	}
	return slices.Contains(s.secondChoices(ctx, sess, u, s.targetRoute(c, rd)), auth.MethodHWK)
}

// redirectPasskey sends the browser to the passkey page.
func (s *pagesSurface) redirectPasskey(c *gin.Context, rd string) {
	target := s.prefix + "/passkey"
	if rd != "" {
		target += "?rd=" + url.QueryEscape(rd)
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, target)
}

// passkeyPage is GET /passkey: "Use your passkey", after the password or
// for a step-up, with the other ways the target takes. Without the
// script the button cannot work: the page then offers only those.
func (s *pagesSurface) passkeyPage(c *gin.Context) {
	rd := s.rdParam(c)
	sess, u, err := s.currentUser(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if u == nil {
		s.toLoginFor(c, rd)
		return
	}
	rt := s.targetRoute(c, rd)
	if !s.codeNeeded(c.Request.Context(), sess, u, rt) && rd != "" {
		c.Redirect(http.StatusSeeOther, rd) // Back after signing in
		return
	}
	choices := s.secondChoices(c.Request.Context(), sess, u, rt)
	d := s.page("passkey.title")
	d.RD = rd
	d.Passkey = &passkeyView{OTP: slices.Contains(choices, auth.MethodOTP), SMS: slices.Contains(choices, auth.MethodSMS)}
	if rt != nil && rt.policy == PolicyPasskey {
		d.Passkey.Verify = true
		if sess.Has(auth.MethodHWK, s.now().Add(-auth.CredentialChangeAge)) {
			// A key signed in without verifying the person: asking it
			// again the same way would go round in a circle.
			d.Error = s.t("passkey.needs_verification")
		}
	}
	s.render(c, http.StatusOK, "passkey.html", d)
}

// fillPasskeys puts u's keys in d (nothing when passkeys are off).
func (s *core) fillPasskeys(c *gin.Context, d *pageData, u *auth.User) error {
	if !s.cfg.Passkeys.Enabled {
		return nil
	}
	keys, err := s.login.PasskeyList(c.Request.Context(), u.Username)
	if err != nil {
		return err
	}
	v := &passkeyView{
		Confirm: s.prefix + "/login?rd=" + url.QueryEscape(s.prefix+"/account?confirm=1"),
		Done:    s.noticeURL(c, s.prefix+"/account", nil, "passkey", "added"),
	}
	for _, k := range keys {
		row := passkeyRow{ID: k.ID, Name: k.Name, Created: k.Created.Format(time.DateOnly)}
		if !k.LastUsed.IsZero() {
			row.LastUsed = k.LastUsed.Format(time.DateOnly)
		}
		v.Keys = append(v.Keys, row)
	}
	d.Passkey = v
	return nil
}

// accountPasskeyRemove is POST /account/passkeys/remove (id).
func (s *pagesSurface) accountPasskeyRemove(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	err := s.login.PasskeyRemove(c.Request.Context(), s.client(c), sess, u, c.PostForm("id"))
	if errors.Is(err, auth.ErrFreshProofNeeded) {
		s.toLogin(c, true)
		return
	}
	if err != nil {
		d := s.page("account.title")
		status := s.formError(c, &d, err)
		s.renderAccount(c, status, sess, u, d)
		return
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.noticeURL(c, s.prefix+"/account", nil, "passkey", "removed"))
}
