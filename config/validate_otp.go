package config

// Checks of the otp section, the codes sent by text message: length,
// lifetime, quotas, countries, number types and the message template.

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/template"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/nyaruka/phonenumbers"
)

func (v *validator) otp() {
	o := v.c.OTP
	if o.Length < minOTPLength || o.Length > maxOTPLength {
		v.add("otp.length", "must be from %d to %d digits (it is %d)", minOTPLength, maxOTPLength, o.Length)
	}
	v.positive("otp.ttl", o.TTL)
	v.atLeast("otp.max_attempts", o.MaxAttempts, 1)
	switch {
	case o.ResendCooldown < 0:
		v.add("otp.resend_cooldown", "must be 0 or more, it is %s", o.ResendCooldown)
	case o.TTL > 0 && o.ResendCooldown >= o.TTL:
		v.add("otp.resend_cooldown", "must be shorter than otp.ttl (%s), it is %s", o.TTL, o.ResendCooldown)
	}
	v.atLeast("otp.max_sends.count", o.MaxSends.Count, 1)
	v.positive("otp.max_sends.window", o.MaxSends.Window)
	switch {
	case o.MaxSendsPerIP.Count < 0:
		v.add("otp.max_sends_per_ip.count", "must be 0 (no per-IP quota) or more, it is %d", o.MaxSendsPerIP.Count)
	case o.MaxSendsPerIP.Count > 0:
		v.positive("otp.max_sends_per_ip.window", o.MaxSendsPerIP.Window)
	}

	for i, cc := range o.AllowedCountries {
		v.region(fmt.Sprintf("otp.allowed_countries.%d", i), cc)
	}
	for key, n := range map[string]int{"otp.budget.per_day": o.Budget.PerDay, "otp.budget.per_country_per_hour": o.Budget.PerCountryPerHour, "otp.budget.per_prefix_per_hour": o.Budget.PerPrefixPerHour} {
		if n < 0 {
			v.add(key, "must be 0 (no cap) or more, it is %d", n)
		}
	}
	if len(o.AllowedNumberTypes) == 0 {
		v.add("otp.allowed_number_types", "must name at least one kind of number (mobile, fixed_line_or_mobile, …)")
	}
	for i, nt := range o.AllowedNumberTypes {
		if !auth.KnownNumberType(nt) {
			v.add(fmt.Sprintf("otp.allowed_number_types.%d", i), "%q is not a kind of number; use %s", nt, strings.Join(auth.NumberTypes(), ", "))
		}
	}
	if o.DefaultRegion != "" && v.region("otp.default_region", o.DefaultRegion) &&
		len(o.AllowedCountries) > 0 && !slices.Contains(o.AllowedCountries, o.DefaultRegion) {
		v.add("otp.default_region", "%q is not in otp.allowed_countries: numbers typed without a country code could never get a code", o.DefaultRegion)
	}
	v.otpMessage(o.Message, o.Length)
}

// region checks an ISO 3166 alpha-2 code that libphonenumber knows.
func (v *validator) region(key, cc string) bool {
	upper := strings.ToUpper(cc)
	switch {
	case len(cc) != 2 || !isASCIILetters(cc):
		v.add(key, "%q is not an ISO 3166 alpha-2 country code (two letters, e.g. \"US\")", cc)
	case cc != upper:
		v.add(key, "%q must be upper-case: %q", cc, upper)
	case cc == "UK":
		v.add(key, "\"UK\" is not an ISO 3166 alpha-2 country code: the United Kingdom is \"GB\"")
	case !phonenumbers.GetSupportedRegions()[cc]:
		v.add(key, "%q is not a known ISO 3166 alpha-2 country code", cc)
	default:
		return true
	}
	return false
}

// otpMessage checks that the SMS template renders with the fields the
// sender provides and shows the code.
func (v *validator) otpMessage(msg string, length int) {
	const key = "otp.message"
	if msg == "" {
		v.add(key, "required: a text/template using {{.Code}}")
		return
	}
	tmpl, err := template.New("message").Option("missingkey=error").Parse(msg)
	if err != nil {
		v.add(key, "not a valid template: %v", err)
		return
	}
	code := "9081726354"[:max(min(length, maxOTPLength), 1)]
	data := map[string]any{"App": "Gatehouse", "Code": code, "Minutes": 5}
	var out strings.Builder
	if err := tmpl.Execute(&limitedWriter{w: &out, n: maxOTPMessage}, data); err != nil {
		if errors.Is(err, errTooLong) {
			v.add(key, "renders to more than %d characters", maxOTPMessage)
		} else {
			v.add(key, "cannot be rendered with .App, .Code and .Minutes: %v", err)
		}
		return
	}
	if !strings.Contains(out.String(), code) {
		v.add(key, "must show the code with {{.Code}}")
	}
}

var errTooLong = errors.New("output too long")

// limitedWriter fails once more than n bytes are written.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, errTooLong
	}
	l.n -= len(p)
	return l.w.Write(p)
}
