package fileusers

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// parser collects every problem in one file.
type parser struct {
	path     string
	region   string
	problems []problem
	// warnings do not refuse the file (warnings.go).
	warnings []problem
}

// claim is the user that first had a name, and where.
type claim struct {
	user *auth.User
	node *yaml.Node
}

// problem is one error at one line of the file.
type problem struct {
	line int
	err  error
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.problems = append(p.problems, problem{n.Line, fmt.Errorf("%s:%d: %s", p.path, n.Line, fmt.Sprintf(format, args...))})
}

// err returns every problem, in line order, or nil.
func (p *parser) err() error {
	slices.SortStableFunc(p.problems, func(a, b problem) int { return a.line - b.line })
	errs := make([]error, len(p.problems))
	for i, pr := range p.problems {
		errs[i] = pr.err
	}
	return errors.Join(errs...)
}

// parse validates data, the content of the users file at path, and builds a
// snapshot. Messages name the key path and never quote password hashes.
func parse(path string, data []byte, region string) (*snapshot, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: the file is empty; want a \"users:\" mapping", path)
	}
	p := &parser{path: path, region: region}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "want a mapping with a \"users:\" key")
		return nil, p.err()
	}
	var users *yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolve(root.Content[i+1])
		if !p.once(k, "", seen) {
			continue
		}
		if k.Value == "users" {
			users = v
			continue
		}
		p.errorf(k, "unknown key %q (want \"users\")", k.Value)
	}
	s := &snapshot{
		byName:  map[string]*auth.User{},
		byEmail: map[string]*auth.User{},
		byPhone: map[string]*auth.User{},
	}
	switch {
	case users == nil:
		p.errorf(root, "missing \"users:\" key")
	case users.Kind == yaml.ScalarNode && users.Tag == "!!null":
		// "users:" with nothing under it: no users.
	case users.Kind != yaml.MappingNode:
		p.errorf(users, "users: want a mapping of username to user")
	default:
		p.users(users, s)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	s.warnings = p.warningLines()
	return s, nil
}

// users parses the users mapping into s, checking that usernames, emails
// and phone numbers each identify one user.
func (p *parser) users(m *yaml.Node, s *snapshot) {
	// Usernames and emails are told apart as an app behind the gateway
	// may fold them (auth.NameKey; docs/contract.md, "Names an app reads
	// as one"): two that fold alike are one person there.
	names := map[string]claim{}
	emails := map[string]claim{}
	phoneLine := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolve(m.Content[i+1])
		name := k.Value
		if !validUsername(name) {
			p.errorf(k, "users: %q is not a valid username (non-empty, no spaces or control characters)", name)
			continue
		}
		if prev, dup := s.byName[name]; dup {
			p.errorf(k, "users.%s: defined twice", prev.Username)
			continue
		}
		u, email, phone := p.user(k, v)
		s.byName[name] = u
		if d := auth.NameDisguise(name); d != "" {
			p.errorf(k, "users: the username %s", d)
		} else if prev, dup := names[auth.NameKey(name)]; dup {
			p.errorf(k, "users.%s: an app may read this username as user %s's (line %d), from which it differs only in case or in the form of its letters: rename one of them", name, prev.user.Username, prev.node.Line)
		} else {
			names[auth.NameKey(name)] = claim{u, k}
		}
		if u.Email != "" {
			key := auth.NameKey(u.Email)
			if prev, dup := emails[key]; dup {
				p.errorf(email, "users.%s.email: already used by user %s (line %d)", name, prev.user.Username, prev.node.Line)
			} else {
				s.byEmail[strings.ToLower(u.Email)], emails[key] = u, claim{u, email}
			}
		}
		if u.Phone != "" {
			if prev, dup := s.byPhone[u.Phone]; dup {
				p.errorf(phone, "users.%s.phone: already used by user %s (line %d)", name, prev.Username, phoneLine[u.Phone].Line)
			} else {
				s.byPhone[u.Phone], phoneLine[u.Phone] = u, phone
			}
		}
	}
	// A login string is tried as a username first. A username that is also
	// someone else's email or phone number would make that user unreachable
	// by it, so it is refused.
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		u, ok := s.byName[k.Value]
		if !ok {
			continue
		}
		if other, ok := s.byEmail[strings.ToLower(k.Value)]; ok && other != u {
			p.errorf(k, "users.%s: username is the email of user %s", k.Value, other.Username)
		}
		if auth.LooksLikePhone(k.Value) {
			if phone, err := auth.NormalizePhone(k.Value, p.region); err == nil {
				if other, ok := s.byPhone[phone]; ok && other != u {
					p.errorf(k, "users.%s: username is the phone number of user %s", k.Value, other.Username)
				}
			}
		}
	}
}

// user parses the mapping m of the user named by key. It returns the nodes
// of the email and phone values for duplicate reports.
func (p *parser) user(key, m *yaml.Node) (u *auth.User, email, phone *yaml.Node) {
	name := key.Value
	u = &auth.User{Username: name}
	if m.Kind != yaml.MappingNode {
		p.errorf(key, "users.%s: want a mapping with at least a password", name)
		return u, key, key
	}
	var password *yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolve(m.Content[i+1])
		if !p.once(k, "users."+name+": ", seen) {
			continue
		}
		key := "users." + name + "." + k.Value
		switch k.Value {
		case "display_name":
			u.DisplayName = p.str(key, v)
			if auth.BadDisplayName(u.DisplayName) {
				p.errorf(v, "%s: at most 100 characters on one line, without control characters or bidi embeddings, overrides or isolates (a page or terminal showing it would turn around what follows it)", key)
			}
		case "email":
			email = v
			u.Email = p.str(key, v)
			if u.Email != "" && !validEmail(u.Email) {
				p.errorf(v, "%s: not an email address", key)
			} else if d := auth.NameDisguise(u.Email); d != "" {
				p.errorf(v, "%s: %s", key, d)
			}
		case "phone":
			phone = v
			if raw := p.str(key, v); raw != "" {
				e164, err := auth.NormalizePhone(raw, p.region)
				if err != nil {
					p.errorf(v, "%s: %v", key, err)
				}
				u.Phone = e164
			}
		case "groups":
			u.Groups = p.groups(key, v)
		case "password":
			password = v
			u.PasswordHash = p.str(key, v)
		case "disabled":
			u.Disabled = p.bool(key, v)
		case "force_two_factor":
			u.ForceTwoFactor = p.bool(key, v)
		default:
			p.errorf(k, "users.%s: unknown key %q (want display_name, email, phone, groups, password, disabled or force_two_factor)", name, k.Value)
		}
	}
	switch {
	case password == nil || u.PasswordHash == "":
		p.errorf(key, "users.%s.password: required; create one with `gatehouse hash-password`", name)
	default:
		if err := auth.CheckHash(u.PasswordHash); errors.Is(err, auth.ErrUnknownHash) {
			// The password itself, most often: never quoted.
			p.errorf(password, "users.%s.password: %v; it takes a hash, not the password itself: put the output of `gatehouse hash-password` here, or let `gatehouse user add` write it", name, err)
		} else if err != nil {
			p.errorf(password, "users.%s.password: %v", name, err)
		} else if why := auth.WeakHash(u.PasswordHash); why != "" {
			p.warnf(password, "users.%s.password: %s: a stolen copy of this file gives the password up that much faster, and the file backend never hashes it anew; set it again (gatehouse hash-password)", name, why)
		}
	}
	if email == nil {
		email = key
	}
	if phone == nil {
		phone = key
	}
	// Once per load, so that a session check only compares it.
	u.Generation = auth.CredentialGeneration(u)
	return u, email, phone
}

// once reports whether k is the first key of its mapping with its name;
// seen holds the names met so far, with their lines. A key given again
// is a problem, not a new value: the later one would otherwise replace
// the earlier without a word, so that "disabled: true" written above an
// old "disabled: false" would leave the account enabled, or a new
// password above the old one keep the old (docs/contract.md, "users.yaml
// (file backend)"). where prefixes the message ("users.alice: ").
func (p *parser) once(k *yaml.Node, where string, seen map[string]int) bool {
	if first, dup := seen[k.Value]; dup {
		p.errorf(k, "%skey %q is already set on line %d: give each key once", where, k.Value, first)
		return false
	}
	seen[k.Value] = k.Line
	return true
}

// str returns a scalar's text ("" for null). Numbers and other scalars are
// taken as written, so an unquoted phone number works.
func (p *parser) str(key string, n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, "%s: want a single value", key)
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return strings.TrimSpace(n.Value)
}

func (p *parser) bool(key string, n *yaml.Node) bool {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		p.errorf(n, "%s: want true or false", key)
	}
	return b
}

func (p *parser) groups(key string, n *yaml.Node) []string {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: want a list, e.g. [\"admins\"]", key)
		return nil
	}
	var out []string
	for _, item := range n.Content {
		item = resolve(item)
		g := p.str(key, item)
		switch {
		case item.Kind != yaml.ScalarNode:
		case g == "":
			p.errorf(item, "%s: empty group name", key)
		case strings.Contains(g, ","):
			p.errorf(item, "%s: group %q contains a comma, which the groups header uses as separator", key, g)
		case strings.ContainsFunc(g, auth.Unshown):
			p.errorf(item, "%s: group %q holds a control character, a line or paragraph separator or a bidi control: no header carries it as written, and an app showing the groups would break its line or turn the text after it around; name it with letters, digits, dots, dashes or underscores", key, g)
		default:
			if _, err := auth.ValidateGroups([]string{g}); err != nil {
				p.warnf(item, "%s: group %q is not a name a users.backend: redis account may hold (letters, digits, dots, dashes or underscores, at most 64 characters): an app that splits the groups header on spaces or ';' reads other groups in it; rename it here and in the policies that name it", key, g)
			}
			out = append(out, g)
		}
	}
	return out
}

// resolve follows a YAML alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func validUsername(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@") &&
		!strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}
