package gateway

import (
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/nyaruka/phonenumbers"
)

// What the portal's templates receive.

// pageData is what every portal template receives. Texts come from the
// message catalogue: Title is a message id, Error, Info and Fields are
// texts already in the portal's language.
type pageData struct {
	Title string // message id
	App   string // the app a sign-in leads to (display_name)
	// AppURL is where the account page's link back to the app leads.
	AppURL string
	Home   string // error pages, the sign-out page: where "Go to the home page" and Cancel lead
	// Account is the account page's address: on public_url's origin
	// (docs/contract.md, "The portal's own origin").
	Account   string
	Brand     brand
	Prefix    string
	RD        string
	Error     string
	ErrorLink *pageLink // a way out of the error, shown with it
	Info      string
	Invalid   string // the field an Error over the form is about
	Mode      string // login: "password", "phone" or "stepup"; otp: "" or "resend"; reset: "", "code" or "done"
	Purpose   string // otp: what the code is for (login, signup)
	Username  string
	Phone     string // masked
	ResendIn  int
	// ResendCooldown is otp.resend_cooldown in seconds.
	ResendCooldown int
	ExpiresIn      int
	CodeLength     int
	WebOTP         bool // ask the browser for the code of an incoming SMS
	RememberMe     bool // offer the box
	// RememberDays and RememberHours say how long "remember me" lasts.
	RememberDays, RememberHours int
	MinPassword                 int
	Status                      int
	Code                        string // error pages: the error code
	Retry                       string // error pages: the address to try again, for a GET
	RequestID                   string
	CSRF                        string // token for the hidden csrf field of every form

	// PhoneExample is a number as people would type it; PhoneNational
	// says numbers without a country code are read in the default region.
	PhoneExample  string
	PhoneNational bool

	Fields map[string]string // per-field problems
	Errors []fieldError      // the same, in page order, when several
	Form   map[string]string // values to put back in a form
	Email  string
	// EmailUnverified says Email is the person's own, which apps are not
	// told (docs/contract.md, "Identity headers").
	EmailUnverified bool
	Name            string
	NewPhone        string // during a phone change, the whole number as people read it
	// NewPhoneE164 is the same number, for the form that sends a new code.
	NewPhoneE164 string
	CanEdit      bool // the user backend accepts changes
	Sessions     []sessionView
	Signup       bool // sign-up is offered
	Reset        bool // password reset is offered

	// Recovery is the account's recovery codes (nil: not kept); HasFactor
	// says it has a second factor (phone, app or passkey) for them to back
	// up; Codes is a new set, shown
	// once; AskRecovery shows the reset form's recovery code field.
	Recovery    *auth.RecoveryStatus
	HasFactor   bool
	Codes       []string
	AskRecovery bool
	// Recovered says the person just signed in with a recovery code.
	Recovered bool
	// Admin is what the admin console's pages show (console_pages.go).
	Admin *adminPage
	// List is a console list page (every session, the bans, the texts).
	List *listPage
	// TOTP is the account's authenticator app (nil: apps not enabled),
	// or the app's code form.
	TOTP *totpView
	// Passkey is the account's passkeys, or the passkey page's other
	// ways (nil: passkeys not enabled).
	Passkey *passkeyView
	// PasskeyLogin shows "Sign in with a passkey" on the login page (to
	// the portal's script, which alone can use it).
	PasskeyLogin bool
}

// LoginURL is the login page for the page's rd, where the portal's
// script goes once a passkey signed the person in: the login page sends
// a signed-in person on to rd. rd is query-escaped here, since a data-
// attribute is no URL to the template, which would leave its & and +
// as they are (docs/contract.md, "Portal pages leave no dead ends").
func (d pageData) LoginURL() string {
	u := d.Prefix + "/login"
	if d.RD != "" {
		u += "?rd=" + url.QueryEscape(d.RD)
	}
	return u
}

// pageLink is a link of a page: where, and its text.
type pageLink struct{ Href, Text string }

// fieldError is one problem of a form, for the error summary.
type fieldError struct{ Field, Text string }

// sessionView is one line of the account page's sessions list.
type sessionView struct {
	auth.SessionInfo
	Device string
}

// fieldOrder is the order fields appear in on the portal's forms.
var fieldOrder = []string{"name", "username", "email", "phone", "current", "password", "code", "recovery_code"}

// phoneExample returns a mobile number of region as its people write it,
// or an international example when there is no default region.
func phoneExample(region string) (string, bool) {
	if region != "" {
		if n := phonenumbers.GetExampleNumberForType(region, phonenumbers.MOBILE); n != nil {
			return unbreakable(phonenumbers.Format(n, phonenumbers.NATIONAL)), true
		}
	}
	return unbreakable("+1 201 555 0100"), false
}

// unbreakable keeps a phone number on one line: no-break spaces and
// hyphens.
func unbreakable(s string) string {
	return strings.NewReplacer(" ", "\u00a0", "-", "\u2011").Replace(s)
}
