package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		region string
		want   string
	}{
		{"E164", "+12015550100", "", "+12015550100"},
		{"Spaces", "+1 201 555 0100", "", "+12015550100"},
		{"Dashes", "+1-201-555-0100", "", "+12015550100"},
		{"Dots", "+1.201.555.0100", "", "+12015550100"},
		{"Parentheses", "+1 (201) 555-0100", "", "+12015550100"},
		{"TypographicDash", "+1 201\u2011555\u20130100", "", "+12015550100"},
		{"SurroundingSpace", "  +12015550100 \n", "", "+12015550100"},
		{"DoubleZero", "001 201 555 0100", "", "+12015550100"},
		{"DoubleZeroWithRegion", "0044 7400 123456", "US", "+447400123456"},
		{"USNational", "(201) 555-0100", "US", "+12015550100"},
		{"USNationalLowercaseRegion", "201 555 0100", "us", "+12015550100"},
		{"USTrunkPrefix", "1 201 555 0100", "US", "+12015550100"},
		{"USInternationalPrefix", "011 44 7400 123456", "US", "+447400123456"},
		{"UKMobile", "+44 7400 123456", "", "+447400123456"},
		{"UKNational", "07400 123456", "GB", "+447400123456"},
		{"UKLandline", "+44 20 7946 0958", "", "+442079460958"},
		{"FRMobile", "+33 6 12 34 56 78", "", "+33612345678"},
		{"FRNational", "06 12 34 56 78", "FR", "+33612345678"},
		{"FRNationalDots", "06.12.34.56.78", "FR", "+33612345678"},
		{"FRDoubleZero", "0033 6 12 34 56 78", "FR", "+33612345678"},
		{"ForeignNumberWithOtherRegion", "+33 6 12 34 56 78", "US", "+33612345678"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auth.NormalizePhone(tt.input, tt.region)
			if err != nil {
				t.Fatalf("NormalizePhone(%q, %q): %v", tt.input, tt.region, err)
			}
			if got != tt.want {
				t.Errorf("NormalizePhone(%q, %q) = %q, want %q", tt.input, tt.region, got, tt.want)
			}
		})
	}
}

func TestNormalizePhoneRejects(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		region string
		reason string // what the person is told is wrong
	}{
		{"Empty", "", "US", auth.PhoneEmpty},
		{"Blank", "   ", "US", auth.PhoneEmpty},
		{"Word", "hello", "US", auth.PhoneBadCharacters},
		{"Email", "alice@example.com", "US", auth.PhoneBadCharacters},
		{"Letters", "+1 800 FLOWERS", "", auth.PhoneBadCharacters},
		{"Extension", "+1 201 555 0100 ext 5", "", auth.PhoneExtension},
		{"Extension x", "(201) 555-0100 x12", "US", auth.PhoneExtension},
		{"Extension hash", "2015550100#3", "US", auth.PhoneExtension},
		{"NationalWithoutRegion", "201 555 0100", "", auth.PhoneNeedsCountryCode},
		{"TooShort", "+1 201", "", auth.PhoneTooShort},
		{"TooLong", "+1 201 555 0100 1234 5678", "", auth.PhoneTooLong},
		{"UnknownCountryCode", "+999 1234 5678", "", auth.PhoneBadCountryCode},
		{"InvalidUSExchange", "+1 201 155 0100", "", auth.PhoneInvalid},
		{"InvalidFR", "+33 0 12 34 56 78", "", auth.PhoneInvalid},
		{"PlusInTheMiddle", "1+2015550100", "US", auth.PhoneBadCharacters},
		{"OnlyPunctuation", "+ - ( )", "US", auth.PhoneNoDigits},
		{"HugeInput", "+1" + strings.Repeat(" ", 100) + "2015550100", "", auth.PhoneTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auth.NormalizePhone(tt.input, tt.region)
			if !errors.Is(err, auth.ErrInvalidPhone) {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want ErrInvalidPhone", tt.input, tt.region, got, err)
			}
			var pe *auth.PhoneError
			if !errors.As(err, &pe) || pe.Reason != tt.reason {
				t.Errorf("NormalizePhone(%q, %q): %v, want reason %q", tt.input, tt.region, err, tt.reason)
			}
			if p := auth.PhoneProblem(err); p.ID != "phone."+tt.reason || p.Text == "" {
				t.Errorf("PhoneProblem = %+v, want id phone.%s and a text", p, tt.reason)
			}
			if digits := strings.Map(keepDigits, tt.input); len(digits) >= 6 && strings.Contains(err.Error(), digits) {
				t.Errorf("error %q repeats the number", err)
			}
		})
	}
}

func keepDigits(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

func TestPhoneCountry(t *testing.T) {
	tests := []struct{ e164, want string }{
		{"+12015550100", "US"},
		{"+447400123456", "GB"},
		{"+33612345678", "FR"},
		{"+14165550100", "CA"},
		{"garbage", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := auth.PhoneCountry(tt.e164); got != tt.want {
			t.Errorf("PhoneCountry(%q) = %q, want %q", tt.e164, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ e164, want string }{
		{"+12015550100", "+1 ••• ••• 0100"},
		{"+447400123456", "+44 ••• ••• 3456"},
		{"+33612345678", "+33 ••• •• 5678"},
		{"+442079460958", "+44 ••• ••• 0958"},
		{"+8613912345678", "+86 ••• •••• 5678"},
		{"12345678", "•••• 5678"},
		{"123", "•••"},
		{"nonsense", "••••"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.e164, func(t *testing.T) {
			got := auth.MaskPhone(tt.e164)
			if got != tt.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tt.e164, got, tt.want)
			}
		})
	}
}

func TestLooksLikePhone(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"+12015550100", true},
		{"+1 (201) 555-0100", true},
		{"(201) 555-0100", true},
		{"201.555.0100", true},
		{"06 12 34 56 78", true},
		{" 2015550100 ", true},
		{"+44", true},
		{"alice", false},
		{"alice@example.com", false},
		{"2015550100@example.com", false},
		{"123456", false},
		{"bob2015550100", false},
		{"+alice", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := auth.LooksLikePhone(tt.in); got != tt.want {
			t.Errorf("LooksLikePhone(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
