package gateway

import (
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// uaRule names a browser or system by a marker in the User-Agent header;
// the first matching rule wins, so more specific markers come first.
type uaRule struct{ marker, name string }

var (
	uaBrowsers = []uaRule{
		{"Edg/", "Edge"}, {"EdgiOS/", "Edge"}, {"EdgA/", "Edge"},
		{"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"HeadlessChrome/", "Chrome (headless)"},
		{"Chromium/", "Chromium"}, {"Chrome/", "Chrome"},
		{"Version/", "Safari"}, // Safari says Version/17.0 ... Safari/605
		{"curl/", "curl"}, {"Wget/", "Wget"}, {"Go-http-client/", "a Go program"},
		{"python-requests/", "a Python program"}, {"okhttp/", "an Android app"},
	}
	uaSystems = []uaRule{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"},
		{"CrOS", "ChromeOS"}, {"Windows", "Windows"}, {"Macintosh", "macOS"},
		{"Mac OS X", "macOS"}, {"Linux", "Linux"},
	}
)

// deviceName describes a User-Agent as people know it ("Firefox on
// Windows"), or returns "" when it cannot tell.
func deviceName(ua string) (browser, system string) {
	for _, r := range uaBrowsers {
		if strings.Contains(ua, r.marker) {
			browser = r.name
			break
		}
	}
	for _, r := range uaSystems {
		if strings.Contains(ua, r.marker) {
			system = r.name
			break
		}
	}
	return browser, system
}

// deviceName describes a session's User-Agent in the portal's language.
func (s *core) deviceName(ua string) string {
	browser, system := deviceName(ua)
	switch {
	case browser != "" && system != "":
		return s.t("account.device", "browser", browser, "os", system)
	case browser != "":
		return browser
	case system != "":
		return system
	case ua != "":
		return auth.ShownAgent(ua, 60)
	}
	return s.t("account.unknown_device")
}
