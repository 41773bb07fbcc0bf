package gateway

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestBuiltinCatalogIsComplete(t *testing.T) {
	c := builtinCatalog()
	// Every page text the templates ask for exists: a missing one would
	// show its id on the page.
	for _, name := range []string{"layout.html", "login.html", "otp.html", "signup.html", "reset.html", "account.html", "logout.html", "error.html", "totp.html"} {
		src, err := templateFS.ReadFile("templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateIDs.FindAllStringSubmatch(string(src), -1) {
			if !c.has(m[1]) {
				t.Errorf("%s uses message %q, which messages/en.yaml lacks", name, m[1])
			}
		}
	}
	// Every JSON error code has a page text.
	for _, e := range errorTable {
		if !c.has("error." + e.out.Code) {
			t.Errorf("no page text error.%s", e.out.Code)
		}
	}
}

var templateIDs = regexp.MustCompile(`\{\{-?\s*(?:t|th)\s+"([a-z0-9_.]+)"`)

func TestCatalogText(t *testing.T) {
	c := &catalog{msgs: map[string]string{
		"plain": "Sign in",
		"args":  "We texted a {length}-digit code to {phone}.",
		"html":  "If {user} has an account <really>",
	}}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"plain", c.text("plain"), "Sign in"},
		{"placeholders", c.text("args", "length", 6, "phone", "+1 ••• 0100"), "We texted a 6-digit code to +1 ••• 0100."},
		{"a missing argument stays visible", c.text("args", "length", 6), "We texted a 6-digit code to {phone}."},
		{"an unknown id shows itself", c.text("nope"), "nope"},
		{"html escapes the text and the arguments, emphasising marked ones", string(c.html("html", "*user", "<b>eve</b>")),
			"If <strong>&lt;b&gt;eve&lt;/b&gt;</strong> has an account &lt;really&gt;"},
		{"html leaves unmarked arguments plain", string(c.html("args", "length", 6, "*phone", "+1")), "We texted a 6-digit code to <strong>+1</strong>."},
		{"markers in arguments cannot forge tags", string(c.html("html", "*user", "\x03<i>\x02")), "If <strong>&lt;i&gt;</strong> has an account &lt;really&gt;"},
		{"nor in unmarked ones", string(c.html("html", "user", "\x02\x04x\x05y\x06")), "If xy has an account &lt;really&gt;"},
		{"a stamp is a time element", string(c.html("html", "user", stamp{iso: "2026-11-22T05:30:00Z", text: "22 Nov 2026, 05:30 UTC"})),
			`If <time datetime="2026-11-22T05:30:00Z">22 Nov 2026, 05:30 UTC</time> has an account &lt;really&gt;`},
		{"a stamp cannot carry markup", string(c.html("html", "user", stamp{iso: `x"><script>`, text: "<b>"})),
			`If <time datetime="x&#34;&gt;&lt;script&gt;">&lt;b&gt;</time> has an account &lt;really&gt;`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestLoadCatalog(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		wantErr []string // parts of the error; none = loads
		check   map[string]string
	}{
		{"flat ids", "lang: fr\nlogin.title: Connexion\n", nil, map[string]string{"lang": "fr", "login.title": "Connexion", "login.submit": "Sign in"}},
		{"nested ids", "login:\n  title: Connexion\n  lead: \"Continuer vers {app}.\"\n", nil, map[string]string{"login.title": "Connexion", "login.lead": "Continuer vers {app}."}},
		{"a placeholder may be left out", "otp.lead: \"Code envoyé au {phone}.\"\n", nil, map[string]string{"otp.lead": "Code envoyé au {phone}."}},
		{"unknown id, with its line", "lang: fr\nlogin.titel: Connexion\n", []string{"fr.yaml:2:", `unknown message id "login.titel"`}, nil},
		{"unknown placeholder", "login.lead: \"Vers {name}.\"\n", []string{"fr.yaml:1:", "unknown placeholder {name}", "{app}"}, nil},
		{"not a string", "login.title: [a, b]\n", []string{"fr.yaml:1:", "must be a string"}, nil},
		{"empty", "login.title:\n", []string{"fr.yaml:1:", "login.title: the text is empty"}, nil},
		{"not a mapping", "- a\n- b\n", []string{"expected a mapping"}, nil},
		{"not YAML", "login.title: \"unclosed\n", []string{"fr.yaml"}, nil},
		{"every problem at once", "a: x\nb: y\n", []string{`"a"`, `"b"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "fr.yaml")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := loadCatalog(path)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("loaded, want an error")
				}
				for _, part := range tt.wantErr {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q lacks %q", err, part)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for id, want := range tt.check {
				if got := c.text(id); got != want {
					t.Errorf("%s = %q, want %q", id, got, want)
				}
			}
		})
	}
	if _, err := loadCatalog(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing messages file loaded")
	}
	// The built-in texts are not changed by a file laid over them.
	if got := builtinCatalog().text("login.title"); got != "Sign in" {
		t.Errorf("built-in login.title is %q after loading translations", got)
	}
}

// TestShippedTranslations keeps the translations in docs/messages loadable
// and complete.
func TestShippedTranslations(t *testing.T) {
	files, err := filepath.Glob("../docs/messages/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no translations in docs/messages: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			msgs, err := parseMessages(f, data, builtinCatalog().msgs)
			if err != nil {
				t.Fatal(err)
			}
			for id := range builtinCatalog().msgs {
				if _, ok := msgs[id]; !ok {
					t.Errorf("%s does not translate %s", f, id)
				}
			}
		})
	}
}
