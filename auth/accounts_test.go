package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

func TestPasswordPolicy(t *testing.T) {
	p := auth.PasswordPolicy{MinLength: 8, MaxLength: 64}
	u := &auth.User{Username: "alice", Email: "alice@example.com", Phone: "+12015550100"}
	for _, tc := range []struct {
		pw, want string // want: a word of the problem, "" = accepted
	}{
		{"short", "at least 8"},
		{"ünïcödé", "at least 8"}, // 7 characters, 11 bytes: characters count
		{strings.Repeat("x", 65), "at most 64"},
		{"password", "common"},
		{"PassWord1", "common"},
		{"qwertyuiop", "common"},
		{"Alice@Example.com", "username, email"},
		{"+12015550100", "username, email"},
		{"12015550100", "username, email"},
		{"correct horse battery staple", ""},
		{"é" + strings.Repeat("xé1", 21), ""}, // 64 characters, long in bytes: not truncated or refused
	} {
		got := p.Problem(tc.pw, u)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("Problem(%q) = %q, want %q", tc.pw, got, tc.want)
		}
	}
	if !auth.IsCommonPassword("123456") || auth.IsCommonPassword("gatehouse-demo-unusual-9") {
		t.Error("common password list not loaded as expected")
	}
}

func TestValidateAccount(t *testing.T) {
	p := auth.PasswordPolicy{MinLength: 8, MaxLength: 128}
	u, err := auth.ValidateAccount(auth.NewAccount{Username: " Erin ", Email: "Erin@Example.com", Password: "a fine long passphrase", Phone: "+1 (201) 555-0142", Name: "Erin E"}, p, "")
	if err != nil || u.Username != "erin" || u.Email != "erin@example.com" || u.Phone != "+12015550142" {
		t.Fatalf("ValidateAccount = %+v, %v", u, err)
	}
	_, err = auth.ValidateAccount(auth.NewAccount{Username: "x", Email: "not-an-email", Password: "123456", Phone: "555", Name: "two\nlines"}, p, "")
	var fe auth.FieldErrors
	if !errors.As(err, &fe) || !errors.Is(err, auth.ErrInvalidInput) {
		t.Fatalf("err = %v, want FieldErrors", err)
	}
	for _, f := range []string{"username", "email", "password", "phone", "name"} {
		if fe[f] == "" {
			t.Errorf("no error for field %s: %v", f, fe)
		}
	}
	// Each problem also has a message id, for pages in other languages.
	var ie *auth.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %T, want *InputError", err)
	}
	for f, id := range map[string]string{"username": "field.username.format", "email": "field.email.invalid", "password": "password.too_short", "phone": "phone.needs_country_code", "name": "field.name.format"} {
		if got := ie.Problems[f]; got.ID != id || got.Text != fe[f] {
			t.Errorf("problem of %s = %+v, want id %s and the text %q", f, got, id, fe[f])
		}
	}
}

func TestPasswordPolicyCheck(t *testing.T) {
	p := auth.PasswordPolicy{MinLength: 10, MaxLength: 20}
	u := &auth.User{Username: "alice"}
	for pw, want := range map[string]auth.Problem{
		"short":                   {ID: "password.too_short", N: 10, Text: "Use at least 10 characters."},
		"a very long one, really": {ID: "password.too_long", N: 20, Text: "Use at most 20 characters."},
		"ALICE":                   {ID: "password.too_short", N: 10, Text: "Use at least 10 characters."},
		"1234567890":              {ID: "password.common", Text: p.Problem("1234567890", u)},
		"correct horse":           {},
	} {
		if got := p.Check(pw, u); got != want {
			t.Errorf("Check(%q) = %+v, want %+v", pw, got, want)
		}
	}
}

// TestSignupEmailIsUnverified: the email a person signs up with is
// theirs, not vouched for, and never asserted; an administrator's
// invitation is (docs/contract.md, "Sign-up").
func TestSignupEmailIsUnverified(t *testing.T) {
	u, err := auth.ValidateAccount(auth.NewAccount{Username: "mallory", Email: "cfo@corp.example", Password: "a fine long passphrase", Phone: "+12015550177"},
		auth.PasswordPolicy{MinLength: 8}, "")
	if err != nil || !u.EmailUnverified || u.AssertedEmail() != "" {
		t.Fatalf("sign-up: %+v, %v; want the email unverified and not asserted", u, err)
	}
	v, err := auth.ValidateInvite(auth.NewAccount{Username: "erin", Email: "erin@example.com"}, nil, "")
	if err != nil || v.EmailUnverified || v.AssertedEmail() != "erin@example.com" {
		t.Fatalf("invitation: %+v, %v; want the email vouched for", v, err)
	}
}
