package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"

	"github.com/gin-gonic/gin"
)

// A page that says a change was made ("Your phone number has been
// changed", "The recovery codes are void") says it only to the browser
// that made the change (docs/contract.md, "Notices after a change"). The
// redirect that follows the change names the notice in its query
// (done=phone) beside a mark: an HMAC of the notice and of the browser's
// form cookie, a random value no other page can read. A link anyone can
// send (/account?done=phone) has no mark the victim's browser matches,
// and its page says nothing; Reload and Back in the browser that made
// the change keep saying it.

// noticeMarkParam is the query parameter of a notice's mark.
const noticeMarkParam = "mark"

// noticeMark is the mark of the notice name=value for the browser whose
// form cookie holds browser.
func (s *core) noticeMark(browser, name, value string) string {
	m := hmac.New(sha256.New, s.noticeKey)
	m.Write([]byte(name + "\x00" + value + "\x00" + browser))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// noticeURL is path with the query q (nil for none) and the notice
// name=value, marked for c's browser.
func (s *core) noticeURL(c *gin.Context, path string, q url.Values, name, value string) string {
	if q == nil {
		q = url.Values{}
	}
	q.Set(name, value)
	if browser := s.formCookie(c); browser != "" {
		q.Set(noticeMarkParam, s.noticeMark(browser, name, value))
	}
	return path + "?" + q.Encode()
}

// notice is the notice name of c's query when its mark is c's browser's,
// else "".
func (s *core) notice(c *gin.Context, name string) string {
	value := c.Query(name)
	if value == "" {
		return ""
	}
	browser := s.formCookie(c)
	if browser == "" || !hmac.Equal([]byte(c.Query(noticeMarkParam)), []byte(s.noticeMark(browser, name, value))) {
		return ""
	}
	return value
}
