package gateway

// How the framework readings of a path (docs/contract.md, "Request
// paths") are decided on: an extension read off (formatReadings) and a
// PATH_INFO a route's path_prefix names (pathInfoReading).

import "strings"

// formatAgrees reports whether each reading of rp (its path and alts)
// read without its extension (formatReadings: /admin.html as Rails and
// Spring MVC read it, /admin; /index.php/admin.json as a front controller
// whose routes take a format reads it), with method m compared as given,
// leads to rt, to a route that covers that reading with its extension
// too (a route more general than rt, which the path was given to on
// purpose: a route for /robots.txt beside the one for /), or to a path
// anyone may have (bypassed there). Otherwise the route covers only the
// reading without the extension (/admin for /admin.html), and its
// handlers are those such an app serves the path from (docs/contract.md,
// "Request paths"). Bypass decisions within rt are not compared: a
// bypass_paths entry that the reading leaves names the file itself
// (/favicon.ico).
func (t *table) formatAgrees(host string, rp *reqPath, m string, rt *route) bool {
	if !t.formatAgreesOn(host, rp.path, m, rt) {
		return false
	}
	for _, alt := range rp.alts {
		if !rt.givesPathInfo(rp, alt) && !t.formatAgreesOn(host, alt, m, rt) {
			return false
		}
	}
	return true
}

// formatAgreesOn is formatAgrees for the one reading p.
func (t *table) formatAgreesOn(host, p, m string, rt *route) bool {
	rails, spring := formatReadings(p)
	for _, f := range [...]string{rails, spring} {
		if f == "" {
			continue
		}
		if other := t.matchMethod(host, f, m); other != nil && other != rt && !other.coversPath(p) && !other.bypasses(f) {
			return false
		}
	}
	return true
}

// namesPathInfo reports whether prefix, a route's path_prefix, names a
// PHP script and a PATH_INFO after it (/index.php/admin, not /index.php
// or /index.php/): the operator wrote the app's addresses with its front
// controller, as CodeIgniter and Magento give them.
func namesPathInfo(prefix string) bool {
	_, end := scriptSegment(prefix)
	return end > 0 && strings.Trim(prefix[end:], "/") != ""
}

// givesPathInfo reports whether alt, a reading of rp (a path r covers),
// is its PATH_INFO reading under a path_prefix of r that names it
// (namesPathInfo): the operator gave r the paths through that script,
// whichever route their PATH_INFO alone leads to, so that reading is not
// compared (docs/contract.md, "Request paths"). A route for the script
// alone names no PATH_INFO: what the front controller routes through it
// is compared as every reading is.
func (r *route) givesPathInfo(rp *reqPath, alt string) bool {
	return r != nil && r.namesInfo && alt == pathInfoReading(rp.path)
}
