package auth

import (
	"encoding/json"
	"reflect"
	"testing"
)

// sampleSessions are stored sessions as the gateway writes them, plus the
// odd shapes an older or foreign writer could have left.
func sampleSessions() []Session {
	return []Session{
		{},
		{Created: 1700000000, Expires: 1700043200},
		{
			User:    "alice",
			Proofs:  []Proof{{Method: MethodPassword, At: 1700000000}, {Method: MethodSMS, At: 1700000060}},
			Created: 1700000000, Expires: 1700043200,
			IP: "203.0.113.7", Agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
			Gen: "q3mT0w5bX2yVn8Kc", Handle: "Hn4b2cXrVq0e8WmT1aKp9Q",
		},
		{
			User: "bob", Proofs: []Proof{{Method: MethodPassword, At: 1}}, Created: -5, Expires: 9223372036854775807,
			Remember: true, RememberAsked: true,
			Pending: &Pending{User: "bob", Challenge: "ch-1", Purpose: "login", Remember: true, Phone: "+12015550101"},
			Change:  &Pending{User: "bob", Challenge: "ch-2", Purpose: "phone", Phone: "+12015550102"},
		},
		{Pending: &Pending{Challenge: "decoy", Phone: "+447700900123"}},
		{Pending: &Pending{Challenge: "signup", Purpose: "signup", Phone: "+447700900124", Until: 1700000900}},
		{User: "zoë", Agent: "quote \" and \\ and \u2028", Proofs: []Proof{{Method: "future", At: -9223372036854775808}}},
		{User: "carol", Proofs: []Proof{}},
		{User: "dora", Proofs: []Proof{{Method: MethodHWK, At: 1700000000, UV: true}}, Created: 1700000000, Expires: 1700043200},
		{User: "erin", Proofs: []Proof{{Method: MethodPassword, At: 1}, {Method: MethodHWK, At: 2}}, Created: 1, Expires: 2},
	}
}

func TestDecodeSessionMatchesEncodingJSON(t *testing.T) {
	for _, s := range sampleSessions() {
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(string(data), func(t *testing.T) {
			checkDecode(t, data)
		})
	}
	// Shapes json.Marshal never writes: each must still decode exactly as
	// encoding/json decodes it (through it), or fail as it fails.
	for _, raw := range []string{
		`{"u":"alice","c":1,"e":2}`,
		` {"u":"alice","c":1,"e":2}`,
		`{"U":"alice","C":1,"E":2}`,
		`{"u":"alice","g":"a","g":"b","c":1,"e":2}`,
		`{"u":"alice","g":null,"c":1,"e":2}`,
		`{"u":"alice","G":"x","c":1,"e":2}`,
		`{"u":"al\u0069ce","c":1,"e":2}`,
		`{"u":"a","u":"b","c":1,"e":2}`,
		`{"u":"alice","x":[1,2,{"y":null}],"c":1,"e":2}`,
		`{"p":null,"pd":null,"c":1,"e":2}`,
		`{"p":[{"m":"pwd","t":1,"m":"sms"}],"c":1,"e":2}`,
		`{"p":[{"m":"pwd","t":1.5}],"c":1,"e":2}`,
		`{"c":1e3,"e":2}`,
		`{"c":01,"e":2}`,
		`{"c":-0,"e":2}`,
		`{"c":9223372036854775808,"e":2}`,
		`{"c":-9223372036854775809,"e":2}`,
		`{"r":true,"c":1,"e":2}`,
		`{"r":"yes","c":1,"e":2}`,
		`{"ra":true,"ra":false,"c":1,"e":2}`,
		`{"ra":1,"c":1,"e":2}`,
		`{"c":1,"e":2}x`,
		`{"c":1,"e":2`,
		`{"u":"\xff","c":1,"e":2}`,
		`[]`,
		``,
		`{}`,
	} {
		t.Run(raw, func(t *testing.T) {
			checkDecode(t, []byte(raw))
		})
	}
}

// checkDecode asserts that decodeSession(data) is json.Unmarshal(data).
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	want := new(Session)
	wantErr := json.Unmarshal(data, want)
	got, err := decodeSession(data)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("decodeSession(%q) error = %v, encoding/json's = %v", data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeSession(%q) =\n%+v\nencoding/json gives\n%+v", data, got, want)
	}
}

func TestFastPathTakesWhatTheGatewayWrites(t *testing.T) {
	// The point of the parser: what Save writes never needs encoding/json.
	for _, s := range sampleSessions()[:5] {
		data, _ := json.Marshal(s)
		var got Session
		if !fastSession(data, &got) {
			t.Errorf("fast path refused %s", data)
		}
	}
}

// TestSampleSessionsCoverEveryField keeps the samples the fast path is
// held to complete: every stored field of Session is set in one of them,
// so a new field without a case in fastSession fails
// TestFastPathTakesWhatTheGatewayWrites.
func TestSampleSessionsCoverEveryField(t *testing.T) {
	typ := reflect.TypeFor[Session]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Tag.Get("json") == "-" {
			continue
		}
		covered := false
		for _, s := range sampleSessions()[:5] {
			if !reflect.ValueOf(s).Field(i).IsZero() {
				covered = true
			}
		}
		if !covered {
			t.Errorf("no sample session the fast path must take sets Session.%s", f.Name)
		}
	}
	n := 0
	for i := range typ.NumField() {
		if typ.Field(i).Tag.Get("json") != "-" { // ID and stored are not stored
			n++
		}
	}
	var p sessionParser
	if len(p.key) != n {
		t.Errorf("sessionParser tracks %d keys, Session stores %d fields", len(p.key), n)
	}
}

func FuzzDecodeSession(f *testing.F) {
	for _, s := range sampleSessions() {
		data, _ := json.Marshal(s)
		f.Add(data)
	}
	f.Add([]byte(`{"u":"a","u":"b","c":1,"e":2}`))
	f.Add([]byte(`{"p":[{"m":"pwd","t":01}],"c":1,"e":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}

func BenchmarkDecodeSession(b *testing.B) {
	data, _ := json.Marshal(sampleSessions()[2])
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeSession(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s Session
			if err := json.Unmarshal(data, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
