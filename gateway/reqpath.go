package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// reqPath is a request path as every decision reads it: proxy mode, both
// forward-auth endpoints and the portal exemption (docs/contract.md,
// "Request paths"). It is the one place that decides which paths are too
// ambiguous to decide on.
type reqPath struct {
	// path is the path decoded once. Routes match it and proxy mode
	// forwards it (re-encoded by net/url), so the upstream receives the
	// path the decision was made on.
	path string
	// alts are the other ways an application may read the same request
	// target: as it came (not decoded), with ";parameters" dropped
	// from each segment (servlet containers), as an app on Windows
	// reads it (windowsReading) and as a PHP front controller routes it
	// (pathInfoReading), each only when it differs from path.
	// Every reading must lead to the same decision, or the request is
	// refused with bad_path.
	alts []string
}

// readPath reads the path part of a request target exactly as the client
// sent it (before the query). It refuses with errBadPath any path that
// readers could read differently:
//
//   - a "." or ".." segment, also once ";parameters" are dropped ("..;",
//     "..;x=1", ".;"), whether spelled plainly or percent-encoded at any
//     depth;
//   - an empty segment ("//") and a segment that is only a parameter;
//   - an encoded slash or backslash, a backslash, and a '%', '?' or '#'
//     left after decoding once (double encoding, or a delimiter moved
//     into the path);
//   - control bytes (NUL included), invalid or overlong UTF-8, a segment
//     that starts or ends with a space, and characters that Unicode
//     compatibility folding turns into ASCII (fullwidth dots, slashes
//     and letters);
//   - a target that does not start with '/'.
//
// A path that an app on Windows reads as another (windowsReading), or a
// PHP front controller routes as another (pathInfoReading), is one more
// reading, refused only where it leads to another decision.
func readPath(raw string) (reqPath, error) {
	if raw == "" || raw[0] != '/' {
		return reqPath{}, errBadPath
	}
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c < 0x20 || c == 0x7f || c == '\\' || c == '#':
			return reqPath{}, errBadPath
		case c == '%' && i+2 < len(raw) && (raw[i+1] == '2' && (raw[i+2]|0x20) == 'f' || raw[i+1] == '5' && (raw[i+2]|0x20) == 'c'):
			return reqPath{}, errBadPath // encoded '/' or '\'
		}
	}
	decoded, err := url.PathUnescape(raw)
	if err != nil {
		return reqPath{}, errBadPath
	}
	if err := checkDecoded(decoded); err != nil {
		return reqPath{}, err
	}
	rp := reqPath{path: decoded}
	bare, err := dropParams(decoded)
	if err != nil {
		return reqPath{}, err
	}
	rp.addAlt(bare)
	rp.addAlt(windowsReading(decoded))
	rp.addAlt(windowsReading(bare))
	rp.addAlt(pathInfoReading(decoded))
	rp.addAlt(pathInfoReading(bare))
	if raw != decoded {
		rawBare, err := dropParams(raw)
		if err != nil {
			return reqPath{}, err
		}
		rp.addAlt(raw)
		rp.addAlt(rawBare)
	}
	return rp, nil
}

// addAlt records reading p unless it is already known.
func (rp *reqPath) addAlt(p string) {
	if p == rp.path {
		return
	}
	for _, a := range rp.alts {
		if a == p {
			return
		}
	}
	rp.alts = append(rp.alts, p)
}

// checkDecoded refuses a decoded path that still holds something readers
// disagree on.
func checkDecoded(p string) error {
	ascii := true
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c < 0x20 || c == 0x7f || c == '\\' || c == '%' || c == '?' || c == '#':
			return errBadPath
		case c >= 0x80:
			ascii = false
		}
	}
	if ascii {
		return nil
	}
	if !utf8.ValidString(p) {
		return errBadPath // overlong forms (%c0%ae) are invalid UTF-8
	}
	for _, r := range p {
		if r < utf8.RuneSelf {
			continue
		}
		// A character that compatibility folding (NFKC, as IIS and some
		// frameworks apply) turns into ASCII could become '.', '/' or a
		// letter of a protected prefix for another reader.
		folded := norm.NFKC.String(string(r))
		for i := 0; i < len(folded); i++ {
			if folded[i] < utf8.RuneSelf {
				return errBadPath
			}
		}
		// Nor one whose upper or lower case is ASCII (the dotless ı is I
		// to .NET's case-insensitive comparison, which NFKC leaves alone).
		if unicode.ToUpper(r) < utf8.RuneSelf || unicode.ToLower(r) < utf8.RuneSelf {
			return errBadPath
		}
	}
	return nil
}

// dropParams returns p with ";parameters" dropped from every segment, as
// a servlet container reads it, and refuses dot segments, empty segments
// and parameter-only segments in p (p is the decoded or the raw path).
func dropParams(p string) (string, error) {
	var b strings.Builder // used only when p has parameters
	params := strings.IndexByte(p, ';') >= 0
	if params {
		b.Grow(len(p))
	}
	for rest := p[1:]; ; {
		seg, next, more := strings.Cut(rest, "/")
		base, _, _ := strings.Cut(seg, ";")
		switch {
		case base == "." || base == "..":
			return "", errBadPath
		case base == "" && (seg != "" || more):
			return "", errBadPath // "//", or a segment that is only ";x"
		case strings.TrimSpace(base) != base:
			return "", errBadPath // Spring trims segments (CVE-2016-5007)
		}
		if params {
			b.WriteByte('/')
			b.WriteString(base)
		}
		if !more {
			break
		}
		rest = next
	}
	if !params {
		return p, nil
	}
	return b.String(), nil
}

// windowsReading is p (a decoded path, dot segments refused already) as
// an app on Windows reads it (docs/contract.md, "Request paths"):
// ASP.NET takes its cookieless-session segments ("(S(id))",
// "(A(id)F(ticket))") out of every path before it routes or maps it, and
// Windows opens a file or directory whose name is written with trailing
// dots or spaces ("admin.", "admin..", "admin .") as the name without
// them. A segment of dots (and spaces) only is a name of its own and
// stays. It returns p itself, without
// allocating, when neither applies.
func windowsReading(p string) string {
	if !strings.Contains(p, "(") && !strings.Contains(p, "./") && !strings.HasSuffix(p, ".") {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	for rest := p[1:]; ; {
		seg, next, more := strings.Cut(rest, "/")
		if !isCookieless(seg) {
			if strings.Trim(seg, ". ") != "" {
				seg = strings.TrimRight(seg, ". ")
			}
			b.WriteByte('/')
			b.WriteString(seg)
		}
		if !more {
			break
		}
		rest = next
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// pathInfoReading is p (a decoded path) as a PHP front controller routes
// it (docs/contract.md, "Request paths"): behind nginx's
// fastcgi_split_path_info or Apache's AcceptPathInfo, /index.php/admin/x
// runs index.php with the PATH_INFO /admin/x, which Symfony, Laravel and
// CodeIgniter route as /admin/x (their path is what follows the script,
// under the script's directory). The script's segment (scriptSegment) is
// dropped. It returns p itself, without allocating, when there is none.
func pathInfoReading(p string) string {
	if start, end := scriptSegment(p); end > 0 {
		return p[:start-1] + p[end:]
	}
	return p
}

// scriptSegment returns the bounds (p[start:end]) of p's first segment
// that ends in ".php", in any case, and that another segment follows: a
// PHP script with a PATH_INFO. Both are 0 when there is none.
func scriptSegment(p string) (start, end int) {
	for start = 1; start < len(p); start = end + 1 {
		end = strings.IndexByte(p[start:], '/')
		if end < 0 {
			return 0, 0
		}
		end += start
		if seg := p[start:end]; len(seg) > len(".php") && strings.EqualFold(seg[len(seg)-len(".php"):], ".php") {
			return start, end
		}
	}
	return 0, 0
}

// formatReadings are p (a decoded path) without its last segment's
// extension, as Rails and Spring MVC route it (docs/contract.md, "Request
// paths"): Rails gives every route an optional "(.:format)", so
// /admin.html is /admin rendered as HTML (cut at the segment's last dot,
// before a non-empty extension); Spring MVC before 5.3 matched /admin.*
// with /admin (cut at its first dot). Rails drops a trailing slash before
// it routes (/admin.html/ is /admin.html), so the last segment is the
// last one that is not empty. Each is "" where it does not apply (no dot
// after the segment's first byte), and spring is "" when it is rails.
// Neither allocates: both are prefixes of p.
func formatReadings(p string) (rails, spring string) {
	if len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1] // "//" is refused: one slash at most
	}
	start := strings.LastIndexByte(p, '/') + 1
	seg := p[start:]
	if first := strings.IndexByte(seg, '.'); first > 0 {
		spring = p[:start+first]
	}
	if last := strings.LastIndexByte(seg, '.'); last > 0 && last < len(seg)-1 {
		rails = p[:start+last]
	}
	if spring == rails {
		spring = ""
	}
	return rails, spring
}

// isCookieless reports a segment of ASP.NET's cookieless data: a
// capital letter and its value in parentheses, one or more of them, in
// parentheses ("(S(id))", "(A(id)F(ticket))").
func isCookieless(seg string) bool {
	return len(seg) >= 5 && seg[0] == '(' && 'A' <= seg[1] && seg[1] <= 'Z' && seg[2] == '(' && strings.HasSuffix(seg, "))")
}

// under reports whether every reading of rp is under prefix (whole
// segments), and refuses a path that some readings put under it and
// others not.
func (rp *reqPath) under(prefix string) (bool, error) {
	in := pathHasPrefix(rp.path, prefix)
	for _, a := range rp.alts {
		if pathHasPrefix(a, prefix) != in {
			return false, errBadPath
		}
	}
	return in, nil
}

// requestTarget is the request target of r as it came on the request
// line (r.RequestURI), or, for a request built in-process without one,
// its URL's escaped path and query.
func requestTarget(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// rawRequestPath is the path part of a request target as it came on the
// request line: origin form ("/a/b?q") or absolute form
// ("http://host/a/b?q").
func rawRequestPath(target string) string {
	if !strings.HasPrefix(target, "/") {
		if _, rest, ok := strings.Cut(target, "://"); ok {
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				target = rest[i:]
			} else {
				target = "/"
			}
		}
	}
	if i := strings.IndexByte(target, '?'); i >= 0 {
		target = target[:i]
	}
	return target
}

// rawRequestQuery is the query part of a request target as it came
// ("" for none).
func rawRequestQuery(target string) string {
	if _, q, ok := strings.Cut(target, "?"); ok {
		return q
	}
	return ""
}
