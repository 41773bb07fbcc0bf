package gateway

import (
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// verdict is the outcome of checking a request against its route.
type verdict int

const (
	allow     verdict = iota // forward, with identity when there is one
	needLogin                // no session, or methods missing: log in / step up
	forbidden                // signed in but not allowed, or deny
)

// decision is a verdict plus what the login flow needs to know.
type decision struct {
	verdict verdict
	missing []string // methods to prove (step-up), when needLogin
	user    *auth.User
	session *auth.Session
	// proved is session as the route counts it, when allowed: only the
	// proofs within its max_auth_age (Session.ProvedSince), which the
	// identity the app gets says (docs/contract.md, "Identity headers").
	proved *auth.Session
}

// policyAccount is the account page's own policy (not configurable):
// the password and, when the account has one, a second factor; fresh,
// every method the account signs in with (docs/contract.md, "Account
// page").
const policyAccount = "account"

// methodSecond stands, in a decision's missing methods, for any second
// factor the route accepts (route.second; every one when nil).
const methodSecond = "2f"

// methodPasskey stands, in a decision's missing methods, for a
// user-verified passkey (the passkey policy).
const methodPasskey = "hwk+uv"

// allSecondFactors are the second factors, strongest first.
var allSecondFactors = []string{auth.MethodHWK, auth.MethodOTP, auth.MethodSMS}

// accountRoute is the route of the account page of an account with an
// authenticator app or not (app); fresh asks for every method the account
// signs in with, proved no longer than auth.CredentialChangeAge ago, as
// binding an authenticator does.
func accountRoute(fresh, app bool) *route {
	r := &route{name: "account", policy: policyAccount, app: app}
	if fresh {
		r.maxAuthAge = auth.CredentialChangeAge
	}
	return r
}

// requiredMethods returns the methods r's policy asks of user (methodSecond
// for any second factor r accepts). force_two_factor users need two
// factors whatever the policy (except bypass/deny).
func requiredMethods(r *route, u *auth.User) []string {
	var need []string
	switch r.policy {
	case policyAccount:
		need = []string{auth.MethodPassword}
		phone := u != nil && u.Phone != ""
		switch {
		case r.maxAuthAge == 0 && (phone || r.app || r.keys):
			need = append(need, methodSecond)
		case r.maxAuthAge > 0: // strongest first: it is asked first
			if r.keys {
				need = append(need, auth.MethodHWK)
			}
			if r.app {
				need = append(need, auth.MethodOTP)
			}
			if phone {
				need = append(need, auth.MethodSMS)
			}
		}
		return need
	case PolicyPassword:
		need = []string{auth.MethodPassword}
	case PolicySMS:
		need = []string{auth.MethodSMS}
	case PolicyTwoFactor:
		need = []string{auth.MethodPassword, methodSecond}
	case PolicyPasskey:
		return []string{methodPasskey} // two factors already
	default:
		return nil
	}
	if u != nil && (u.ForceTwoFactor || u.PhoneUnproved) {
		need = []string{auth.MethodPassword, methodSecond}
	}
	return need
}

// secondAccepted are the second factors r accepts, strongest first: a
// phishing-resistant route takes passkeys only.
func secondAccepted(r *route) []string {
	if r.phishing {
		return []string{auth.MethodHWK}
	}
	if r.second == nil {
		return allSecondFactors
	}
	out := make([]string, 0, len(r.second))
	for _, m := range allSecondFactors {
		if slices.Contains(r.second, m) {
			out = append(out, m)
		}
	}
	return out
}

// satisfied reports whether s meets r's need for method m, proved no
// earlier than notBefore. A recovery code stands in for any second
// factor, except where only a passkey will do: the passkey policy and
// phishing-resistant routes (a code can be phished).
func satisfied(s *auth.Session, r *route, m string, notBefore time.Time) bool {
	switch m {
	case methodPasskey:
		return s.HasVerifiedKey(notBefore)
	case methodSecond:
		if r.phishing {
			return s.Has(auth.MethodHWK, notBefore)
		}
		for _, f := range secondAccepted(r) {
			if s.Satisfies(f, notBefore) {
				return true
			}
		}
		return false
	}
	return s.Satisfies(m, notBefore)
}

// decide applies r's policy to the session s of user u (both nil when
// there is no valid session). Groups are checked before step-up, so a
// signed-in user who can never get in is told so at once.
func decide(r *route, s *auth.Session, u *auth.User, now time.Time) decision {
	switch r.policy {
	case PolicyDeny:
		return decision{verdict: forbidden, user: u, session: s}
	case PolicyBypass:
		return decision{verdict: allow}
	}
	if s == nil || u == nil || !s.Authenticated() {
		return decision{verdict: needLogin, missing: requiredMethods(r, u)}
	}
	if len(r.groups) > 0 && !u.InGroup(r.groups) {
		return decision{verdict: forbidden, user: u, session: s}
	}
	var notBefore time.Time
	if r.maxAuthAge > 0 {
		notBefore = now.Add(-r.maxAuthAge)
	}
	var missing []string
	for _, m := range requiredMethods(r, u) {
		if !satisfied(s, r, m, notBefore) {
			missing = append(missing, m)
		}
	}
	if len(missing) > 0 {
		return decision{verdict: needLogin, missing: missing, user: u, session: s}
	}
	return decision{verdict: allow, user: u, session: s, proved: s.ProvedSince(notBefore)}
}

// loginError is what a client that must (re)authenticate is told: not
// signed in at all, a password needed again, or a code to request.
func (d decision) loginError() error {
	switch {
	case d.session == nil || !d.session.Authenticated():
		return errUnauthenticated
	case slices.Contains(d.missing, auth.MethodPassword):
		return errReauth
	default:
		return errStepUp
	}
}
