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
}

// policyAccount is the account page's own policy (not configurable):
// every method the account signs in with, the password and, when it has a
// phone, a code (docs/contract.md, "Account page").
const policyAccount = "account"

// accountRoute is the route of the account page; fresh asks for proofs
// no older than auth.CredentialChangeAge, as a phone change does.
func accountRoute(fresh bool) *route {
	r := &route{name: "account", policy: policyAccount}
	if fresh {
		r.maxAuthAge = auth.CredentialChangeAge
	}
	return r
}

// requiredMethods returns the methods a route's policy asks of user.
// force_two_factor users need both whatever the policy (except bypass/deny).
func requiredMethods(policy string, u *auth.User) []string {
	var need []string
	switch policy {
	case policyAccount:
		need = []string{auth.MethodPassword}
		if u != nil && u.Phone != "" {
			need = append(need, auth.MethodSMS)
		}
		return need
	case PolicyPassword:
		need = []string{auth.MethodPassword}
	case PolicySMS:
		need = []string{auth.MethodSMS}
	case PolicyTwoFactor:
		need = []string{auth.MethodPassword, auth.MethodSMS}
	default:
		return nil
	}
	if u != nil && u.ForceTwoFactor {
		need = []string{auth.MethodPassword, auth.MethodSMS}
	}
	return need
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
		return decision{verdict: needLogin, missing: requiredMethods(r.policy, u)}
	}
	if len(r.groups) > 0 && !u.InGroup(r.groups) {
		return decision{verdict: forbidden, user: u, session: s}
	}
	var notBefore time.Time
	if r.maxAuthAge > 0 {
		notBefore = now.Add(-r.maxAuthAge)
	}
	var missing []string
	for _, m := range requiredMethods(r.policy, u) {
		if !s.Satisfies(m, notBefore) {
			missing = append(missing, m)
		}
	}
	if len(missing) > 0 {
		return decision{verdict: needLogin, missing: missing, user: u, session: s}
	}
	return decision{verdict: allow, user: u, session: s}
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
