package gateway

// JSON bodies are read one way (docs/contract.md, "JSON bodies"): one
// object whose keys are the endpoint's, each once and exactly as
// written, in valid UTF-8, so that Gatehouse reads no body otherwise
// than a WAF, a front door's rule or an audit proxy reading the same
// bytes. encoding/json alone takes the last of two keys, matches a key
// in any case and by Unicode folding ("uſername" for "username"),
// ignores keys it does not know and replaces bytes that are no UTF-8.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// errJSONShape is a body that is no object of the endpoint's keys, each
// once and as written, in valid UTF-8.
var errJSONShape = fmt.Errorf("%w: JSON body is not one object of the endpoint's keys", errBadRequest)

// decodeJSON reads one JSON object from the body into v, a pointer to a
// struct whose json tags are the keys the endpoint takes. Malformed JSON,
// trailing data, a body of another shape (see errJSONShape) and oversize
// bodies are errors the mapper understands.
func decodeJSON(c *gin.Context, v any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return unmarshalJSON(body, v)
}

// noInput is the middleware of a portal API endpoint that takes no keys
// (decodeNoInput).
func (s *core) noInput(c *gin.Context) {
	if err := decodeNoInput(c); err != nil {
		s.apiFail(c, err)
		return
	}
	c.Next()
}

// takesNoInput is an admin action that takes no keys (decodeNoInput),
// its body read once adminAction knows the administrator.
func takesNoInput(do adminDo) adminDo {
	return func(c *gin.Context, admin, u *auth.User) (gin.H, error) {
		if err := decodeNoInput(c); err != nil {
			return nil, err
		}
		return do(c, admin, u)
	}
}

// decodeNoInput reads the body of an endpoint that takes no keys: {},
// null or nothing, by decodeJSON's rule (docs/contract.md, "JSON
// bodies"). Before, such a body was never read, and a script's
// {"disabled":false} disabled the account all the same.
func decodeNoInput(c *gin.Context) error {
	body, err := readBody(c)
	if body = bytes.TrimSpace(body); err == nil && len(body) > 0 && string(body) != "null" {
		err = unmarshalJSON(body, &struct{}{})
	}
	return err
}

// readBody reads the request's body, held to its limit by limitBody.
func readBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errBodyTooLarge
		}
		return nil, errBadRequest
	}
	return body, nil
}

// unmarshalJSON is decodeJSON's reading of body into v.
func unmarshalJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return errJSONShape
	}
	if err := checkJSONKeys(body, jsonKeys(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return errBadRequest
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errBadRequest
	}
	return nil
}

// jsonKeys is the set of keys v, a pointer to a struct, takes: its
// fields' json names.
func jsonKeys(v any) map[string]bool {
	t := reflect.TypeOf(v).Elem()
	keys := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case !f.IsExported() || name == "-":
		case name == "":
			keys[f.Name] = true
		default:
			keys[name] = true
		}
	}
	return keys
}

// checkJSONKeys walks body, which must be one JSON object: its keys must
// be among keys, exactly, and no object in it, nested ones included,
// may hold one key twice as encoding/json matches keys (any case,
// Unicode folding). Malformed JSON is left to the decoder.
func checkJSONKeys(body []byte, keys map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return errBadRequest
	}
	if tok != json.Delim('{') {
		return errJSONShape
	}
	return checkObject(dec, keys)
}

// checkObject reads the rest of an object whose '{' dec has read; keys,
// when not nil, are the ones it may hold.
func checkObject(dec *json.Decoder, keys map[string]bool) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errBadRequest
		}
		key, _ := tok.(string)
		folded := foldKey(key)
		if seen[folded] || (keys != nil && !keys[key]) {
			return errJSONShape
		}
		seen[folded] = true
		if err := skipJSONValue(dec); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return errBadRequest
	}
	return nil
}

// skipJSONValue reads one value, checking the objects in it for keys
// held twice.
func skipJSONValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return errBadRequest
	}
	switch tok {
	case json.Delim('{'):
		return checkObject(dec, nil)
	case json.Delim('['):
		for dec.More() {
			if err := skipJSONValue(dec); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing ']'
			return errBadRequest
		}
	}
	return nil
}

// foldKey is key as encoding/json compares keys with field names: each
// rune the smallest of its case-folding orbit (so "K", "k" and the Kelvin
// sign are one, as "s" and "ſ" are).
func foldKey(key string) string {
	var b strings.Builder
	for _, r := range key {
		for {
			next := unicode.SimpleFold(r)
			if next <= r {
				r = next
				break
			}
			r = next
		}
		b.WriteRune(r)
	}
	return b.String()
}
