package gateway

import (
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// The portal's texts live in one message catalogue: message id → text,
// with {name} placeholders. The built-in English is messages/en.yaml;
// portal.messages_file overrides or translates any of its texts, so a
// translation is a file, not a code change. The JSON API keeps its own
// stable English messages (errors.go).

//go:embed messages/en.yaml
var builtinMessages []byte

// maxMessagesFile bounds portal.messages_file.
const maxMessagesFile = 1 << 20

var placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// catalog is a loaded message catalogue.
type catalog struct {
	msgs map[string]string
}

// builtinCatalog returns the parsed built-in English catalogue.
var builtinCatalog = sync.OnceValue(func() *catalog {
	msgs, err := parseMessages("messages/en.yaml", builtinMessages, nil)
	if err != nil {
		panic(fmt.Sprintf("gateway: built-in messages: %v", err))
	}
	return &catalog{msgs: msgs}
})

// loadCatalog returns the built-in catalogue with the texts of the file
// at path (YAML, "id: text", ids may be nested) laid over it; path ""
// gives English. Every problem of the file is reported at once, each as
// "FILE:LINE: message".
func loadCatalog(path string) (*catalog, error) {
	base := builtinCatalog()
	if path == "" {
		return base, nil
	}
	data, err := readLimited(path, maxMessagesFile)
	if err != nil {
		return nil, fmt.Errorf("portal.messages_file: %w", err)
	}
	over, err := parseMessages(path, data, base.msgs)
	if err != nil {
		return nil, fmt.Errorf("portal.messages_file: %w", err)
	}
	msgs := maps.Clone(base.msgs)
	maps.Copy(msgs, over)
	return &catalog{msgs: msgs}, nil
}

// readLimited reads the file at path, refusing one over limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // G304: path is the operator's portal.messages_file or portal.logo_file
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose on close
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

// parseMessages reads a catalogue file. With known set, every id must be
// one of known's and use only the placeholders known's text uses.
func parseMessages(name string, data []byte, known map[string]string) (map[string]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, errBadMessages, err)
	}
	out := map[string]string{}
	var problems []error
	add := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	var walk func(prefix string, n *yaml.Node)
	walk = func(prefix string, n *yaml.Node) {
		if n.Kind != yaml.MappingNode {
			add(n.Line, "expected a mapping of message id: text")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			id := k.Value
			if prefix != "" {
				id = prefix + "." + id
			}
			switch v.Kind {
			case yaml.MappingNode:
				walk(id, v)
				continue
			case yaml.ScalarNode:
				if strings.TrimSpace(v.Value) == "" {
					add(v.Line, "%s: the text is empty", id)
					continue
				}
			default:
				add(v.Line, "%s: the text must be a string", id)
				continue
			}
			if _, dup := out[id]; dup {
				add(k.Line, "%s: given twice", id)
				continue
			}
			if known != nil {
				base, ok := known[id]
				if !ok {
					add(k.Line, "unknown message id %q", id)
					continue
				}
				have := placeholders(base)
				for _, p := range placeholders(v.Value) {
					if !slices.Contains(have, p) {
						add(v.Line, "%s: unknown placeholder {%s} (this text may use %s)", id, p, listOr(have))
					}
				}
			}
			out[id] = v.Value
		}
	}
	if len(doc.Content) > 0 {
		walk("", doc.Content[0])
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return out, nil
}

func placeholders(text string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

func listOr(ps []string) string {
	if len(ps) == 0 {
		return "none"
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = "{" + p + "}"
	}
	return strings.Join(out, ", ")
}

// has reports whether the catalogue knows id.
func (c *catalog) has(id string) bool {
	_, ok := c.msgs[id]
	return ok
}

// text returns message id with its placeholders filled from args, given
// as name, value pairs. An unknown id returns the id itself, so a missing
// text shows up instead of vanishing.
func (c *catalog) text(id string, args ...any) string {
	msg, ok := c.msgs[id]
	if !ok {
		return id
	}
	return fill(msg, args)
}

// fill replaces the {name} placeholders of msg by the values of args
// (name, value pairs); unknown ones stay as they are.
func fill(msg string, args []any) string {
	if len(args) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	return placeholderRE.ReplaceAllStringFunc(msg, func(m string) string {
		name := m[1 : len(m)-1]
		for i := 0; i+1 < len(args); i += 2 {
			if args[i] == name {
				return fmt.Sprint(args[i+1])
			}
		}
		return m
	})
}

// Markers around an emphasised argument, and around a time and its
// machine-readable form, while a message is escaped.
const (
	strongOpen  = "\x02"
	strongClose = "\x03"
	timeOpen    = "\x04"
	timeMid     = "\x05"
	timeClose   = "\x06"
)

var (
	dropMarkers = strings.NewReplacer(strongOpen, "", strongClose, "", timeOpen, "", timeMid, "", timeClose, "")
	putMarkup   = strings.NewReplacer(strongOpen, "<strong>", strongClose, "</strong>",
		timeOpen, `<time datetime="`, timeMid, `">`, timeClose, "</time>")
)

// stamp is a time for people: the server writes it in UTC and the
// portal's script rewrites it in the reader's own time zone, from the
// machine-readable form it carries (a <time datetime> element).
type stamp struct {
	iso  string // RFC 3339, UTC
	text string // for people, UTC
}

// html is text, escaped, with the arguments whose name is marked with a
// leading "*" emphasised with <strong> ({{th "otp.lead" "*phone" .Phone}})
// and stamp arguments as <time> elements.
func (c *catalog) html(id string, args ...any) template.HTML {
	marked := make([]any, len(args))
	copy(marked, args)
	for i := 1; i < len(args); i += 2 { // the values: args[i-1] is the name
		switch v := args[i].(type) {
		case stamp:
			marked[i] = timeOpen + dropMarkers.Replace(v.iso) + timeMid + dropMarkers.Replace(v.text) + timeClose
		default:
			marked[i] = dropMarkers.Replace(fmt.Sprint(v))
		}
		if name, ok := args[i-1].(string); ok && strings.HasPrefix(name, "*") {
			marked[i-1] = name[1:]
			marked[i] = strongOpen + marked[i].(string) + strongClose
		}
	}
	msg, ok := c.msgs[id]
	if !ok {
		msg = id
	}
	out := template.HTMLEscapeString(fill(dropMarkers.Replace(msg), marked))
	return template.HTML(putMarkup.Replace(out)) //nolint:gosec // G203: out is escaped; putMarkup adds only our own <strong> and <time> tags, at markers dropped from msg and args before escaping
}
