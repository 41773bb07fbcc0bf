package auth

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// maxPhoneInput bounds what is handed to the phone number parser. The
// longest E.164 number has 15 digits; 64 characters leave room for any
// amount of human punctuation.
const maxPhoneInput = 64

// extensionRE matches a number followed by an extension as people write
// one: "ext. 12", "x12", "extension 12", "#12", ";ext=12".
var extensionRE = regexp.MustCompile(`(?i)\d[\s\-.()]*(?:;\s*ext\s*=|#|(?:ext|extn|extension|x)\.?)\s*\d{1,7}\s*$`)

// NormalizePhone parses a phone number as a person would type it and
// returns it in E.164 form ("+12015550100"). Spaces, dashes, dots, slashes
// and parentheses are ignored; an international number may start with + or
// 00; a national number ("(201) 555-0100") is read as a number of
// defaultRegion (ISO 3166 alpha-2, e.g. "US"), and when defaultRegion is ""
// the number must start with + or 00. Letters and extensions are refused.
//
// The number must be valid under libphonenumber's rules, not merely
// plausible. Errors wrap ErrInvalidPhone and carry a message fit to show the
// person who typed it; they never repeat the number, so they can be logged.
func NormalizePhone(input, defaultRegion string) (string, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return "", phoneError(PhoneEmpty, "the phone number is empty")
	}
	if len(s) > maxPhoneInput {
		return "", phoneError(PhoneTooLong, "the phone number is too long")
	}
	if extensionRE.MatchString(s) {
		// "201-555-0100 ext. 12": say what is wrong, not "bad characters".
		return "", phoneError(PhoneExtension, "phone extensions cannot receive text messages")
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case isPhonePunct(r):
		default:
			return "", phoneError(PhoneBadCharacters, "a phone number may only contain digits, spaces, dashes, dots, parentheses and a leading +")
		}
	}
	if digits == 0 {
		return "", phoneError(PhoneNoDigits, "the phone number has no digits")
	}
	international := strings.HasPrefix(s, "+")
	if !international {
		// "00" is the international call prefix in most of the world. The
		// parser only knows that for regions where it is the local prefix,
		// and not at all without a region, so rewrite it here. No national
		// number starts with 00.
		if rest, ok := strings.CutPrefix(stripPhonePunct(s), "00"); ok {
			s, international = "+"+rest, true
		}
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if !international && region == "" {
		return "", phoneError(PhoneNeedsCountryCode, "enter the number in international format, starting with + and the country code")
	}
	num, err := phonenumbers.Parse(stripPhonePunct(s), region)
	if err != nil {
		switch {
		case !international:
			return "", phoneError(PhoneNotANumber, "this is not a phone number; enter it in international format, starting with + and the country code")
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return "", phoneError(PhoneBadCountryCode, "the country code is not valid")
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return "", phoneError(PhoneTooLong, "the phone number is too long")
		case errors.Is(err, phonenumbers.ErrTooShortNSN):
			return "", phoneError(PhoneTooShort, "the phone number is too short")
		}
		return "", phoneError(PhoneNotANumber, "this is not a phone number")
	}
	if num.GetExtension() != "" {
		return "", phoneError(PhoneExtension, "phone extensions cannot receive text messages")
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", phoneError(PhoneBadCountryCode, "the country code is not valid")
	case phonenumbers.TOO_SHORT:
		return "", phoneError(PhoneTooShort, "the phone number is too short")
	case phonenumbers.TOO_LONG:
		return "", phoneError(PhoneTooLong, "the phone number is too long")
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", phoneError(PhoneInvalid, "this is not a valid phone number")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// Reasons a phone number is refused (PhoneError.Reason). They are stable
// identifiers, fit to pick a translated message.
const (
	PhoneEmpty            = "empty"
	PhoneTooLong          = "too_long"
	PhoneTooShort         = "too_short"
	PhoneBadCharacters    = "bad_characters"
	PhoneNoDigits         = "no_digits"
	PhoneNeedsCountryCode = "needs_country_code"
	PhoneNotANumber       = "not_a_number"
	PhoneExtension        = "extension"
	PhoneBadCountryCode   = "bad_country_code"
	PhoneInvalid          = "invalid"
)

// PhoneError says why NormalizePhone refused a number. It matches
// ErrInvalidPhone and never contains the number.
type PhoneError struct {
	// Reason is one of the Phone* reason constants.
	Reason string
	// Message is the English explanation, in lower case.
	Message string
}

// Error implements error.
func (e *PhoneError) Error() string { return ErrInvalidPhone.Error() + ": " + e.Message }

// Unwrap makes errors.Is(err, ErrInvalidPhone) work.
func (e *PhoneError) Unwrap() error { return ErrInvalidPhone }

func phoneError(reason, msg string) error {
	return &PhoneError{Reason: reason, Message: msg}
}

// PhoneCountry returns the ISO 3166 alpha-2 region of an E.164 number
// ("US" for "+12015550100"), or "" when it cannot be told.
func PhoneCountry(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	region := phonenumbers.GetRegionCodeForNumber(num)
	if region == "ZZ" { // libphonenumber's "unknown region"
		return ""
	}
	return region
}

// nationalForms returns the digits of e164 as dialled within its
// country: with its trunk prefix ("0612345678" for +33612345678) and
// without ("612345678"; "2015550100" for +12015550100), or nothing when
// it cannot be parsed.
func nationalForms(e164 string) []string {
	num, err := phonenumbers.Parse(e164, "")
	if e164 == "" || err != nil {
		return nil
	}
	forms := []string{phonenumbers.GetNationalSignificantNumber(num)}
	if trunk := stripPhonePunct(phonenumbers.Format(num, phonenumbers.NATIONAL)); trunk != forms[0] {
		forms = append(forms, trunk)
	}
	return slices.DeleteFunc(forms, func(f string) bool {
		return f == "" || strings.ContainsFunc(f, func(r rune) bool { return r < '0' || r > '9' })
	})
}

// MaskPhone hides all but the country code and the last four digits of an
// E.164 number, for display and logs: "+12015550100" becomes
// "+1 ••• ••• 0100" and "+33612345678" becomes "+33 ••• •• 5678". Input
// that is not a parseable number is masked the same way without a country
// code. It returns "" for "".
func MaskPhone(e164 string) string {
	var digits strings.Builder
	for _, r := range e164 {
		if r >= '0' && r <= '9' {
			digits.WriteRune(r)
		}
	}
	all := digits.String()
	if all == "" {
		if e164 == "" {
			return ""
		}
		return "••••"
	}
	prefix, rest := "", all
	if num, err := phonenumbers.Parse(e164, ""); err == nil {
		cc := strconv.Itoa(int(num.GetCountryCode()))
		if after, ok := strings.CutPrefix(all, cc); ok {
			prefix, rest = "+"+cc+" ", after
		}
	}
	if len(rest) <= 4 {
		return prefix + strings.Repeat("•", len(rest))
	}
	return prefix + bulletGroups(len(rest)-4) + " " + rest[len(rest)-4:]
}

// maskPhoneText is MaskPhone for a text message, with "*" for "•": a
// bullet is not in GSM 7-bit, and one would send the whole text as UCS-2,
// billed as two (docs/contract.md, "SMS delivery").
func maskPhoneText(e164 string) string { return strings.ReplaceAll(MaskPhone(e164), "•", "*") }

// bulletGroups writes n bullets in groups of three, folding a lone
// leftover bullet into the last group ("•••", "••• ••", "••• ••••").
func bulletGroups(n int) string {
	var groups []string
	for n > 0 {
		size := 3
		if n < 3 || n == 4 {
			size = n
		}
		groups = append(groups, strings.Repeat("•", size))
		n -= size
	}
	return strings.Join(groups, " ")
}

// LooksLikePhone reports whether a login string should be treated as a
// phone number rather than a username or email: it has no @, consists only
// of digits and phone punctuation after an optional leading +, and has at
// least seven digits (or starts with + and has at least one).
func LooksLikePhone(s string) bool {
	s = strings.TrimSpace(s)
	plus := strings.HasPrefix(s, "+")
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case isPhonePunct(r):
		default:
			return false
		}
	}
	return digits >= 7 || plus && digits >= 1
}

// isPhonePunct reports whether r is punctuation people put in phone
// numbers: spaces, dashes (including typographic ones), dots, slashes and
// parentheses.
func isPhonePunct(r rune) bool {
	switch r {
	case '-', '.', '/', '(', ')':
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Pd, r)
}

func stripPhonePunct(s string) string {
	return strings.Map(func(r rune) rune {
		if isPhonePunct(r) {
			return -1
		}
		return r
	}, s)
}

// numberTypes names libphonenumber's number types as the configuration
// writes them (otp.allowed_number_types).
var numberTypes = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.FIXED_LINE:           "fixed_line",
	phonenumbers.MOBILE:               "mobile",
	phonenumbers.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
	phonenumbers.TOLL_FREE:            "toll_free",
	phonenumbers.PREMIUM_RATE:         "premium_rate",
	phonenumbers.SHARED_COST:          "shared_cost",
	phonenumbers.VOIP:                 "voip",
	phonenumbers.PERSONAL_NUMBER:      "personal_number",
	phonenumbers.PAGER:                "pager",
	phonenumbers.UAN:                  "uan",
	phonenumbers.VOICEMAIL:            "voicemail",
	phonenumbers.UNKNOWN:              "unknown",
}

// PhoneNumberType returns the kind of an E.164 number ("mobile",
// "premium_rate", …; "unknown" when it is not a valid number).
func PhoneNumberType(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "unknown"
	}
	return numberTypes[phonenumbers.GetNumberType(num)]
}

// KnownNumberType reports whether name is one of PhoneNumberType's names.
func KnownNumberType(name string) bool {
	for _, n := range numberTypes {
		if n == name {
			return true
		}
	}
	return false
}

// NumberTypes returns PhoneNumberType's names, sorted.
func NumberTypes() []string {
	out := make([]string, 0, len(numberTypes))
	for _, n := range numberTypes {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
