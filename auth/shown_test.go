package auth_test

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestShownJSON: ShownJSON spells what a terminal would obey as \u
// escapes, keeps the rest byte for byte (the line's newline, marks and
// joiners a name may hold, invalid UTF-8 as the encoder left it), and
// the JSON reads back as the same value.
func TestShownJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a":"plain"}` + "\n", `{"a":"plain"}` + "\n"},
		{`{"p":"/` + "\u009b" + `2J"}` + "\n", `{"p":"/\u009b2J"}` + "\n"},
		{`{"n":"x` + "\u0085\u007f" + `y"}`, `{"n":"x\u0085\u007fy"}`},
		{`{"k":"Laptop ` + "\u202e" + `yeK` + "\u2066\u2069" + `"}`, `{"k":"Laptop \u202eyeK\u2066\u2069"}`},
		{`{"a":"` + "\xff\u009b" + `"}`, `{"a":"` + "\xff" + `\u009b"}`},
		{`{"k":"` + "\u200f\u200d\u00e9\U0001F600" + `"}`, `{"k":"` + "\u200f\u200d\u00e9\U0001F600" + `"}`},
	} {
		got := string(auth.ShownJSON([]byte(c.in)))
		if got != c.want {
			t.Errorf("ShownJSON(%q) = %q, want %q", c.in, got, c.want)
			continue
		}
		var a, b any
		if json.Unmarshal([]byte(c.in), &a) != nil || json.Unmarshal([]byte(got), &b) != nil {
			t.Errorf("%q or %q is no JSON", c.in, got)
			continue
		}
		if aj, _ := json.Marshal(a); string(aj) != string(must(json.Marshal(b))) {
			t.Errorf("ShownJSON(%q) reads as %v, want %v", c.in, b, a)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestShownText: ShownText spells what a terminal would obey, or what
// breaks a table's columns and lines, as \u escapes, and nothing else.
func TestShownText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Alice Example", "Alice Example"},
		{"Eve \u009b2J", `Eve \u009b2J`},
		{"a\tb\nc\u0085d\u007f", `a\u0009b\u000ac\u0085d\u007f`},
		{"Laptop \u202eyeK\u2067", `Laptop \u202eyeK\u2067`},
		{"Zoë \u200f\u200d\U0001F600", "Zoë \u200f\u200d\U0001F600"},
	} {
		if got := auth.ShownText(c.in); got != c.want {
			t.Errorf("ShownText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
