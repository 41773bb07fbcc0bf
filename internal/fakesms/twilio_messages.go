package fakesms

// The fake Twilio's Programmable Messaging: creating a message, and the
// SMS segments a body takes.

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

func (t *Twilio) createMessage(w http.ResponseWriter, r *http.Request) {
	to, from, service, body := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("MessagingServiceSid"), r.PostForm.Get("Body")
	switch {
	case to == "":
		t.fail(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case from == "" && service == "":
		t.fail(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case service != "" && service != t.MessagingServiceSID:
		t.fail(w, http.StatusBadRequest, 21705, "The Messaging Service Sid %s is invalid.", service)
		return
	case from != "" && len(t.opts.From) > 0 && !numberSet(t.opts.From).has(from):
		t.fail(w, http.StatusBadRequest, 21606, "The From phone number %s is not a valid, SMS-capable inbound phone number or short code for your account.", from)
		return
	case body == "":
		t.fail(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case len([]rune(body)) > 1600:
		t.fail(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	if status, code, msg := t.checkTo(to, 21211, 21614, 21408); status != 0 {
		t.fail(w, status, code, "%s", msg)
		return
	}
	now := t.now().UTC()
	m := TwilioMessage{SID: "SM" + hexID(), To: to, From: from, MessagingServiceSID: service, Body: body, At: now}
	t.mu.Lock()
	t.messages = append(t.messages, m)
	t.mu.Unlock()
	status := "queued"
	var svc any
	if service != "" {
		status, svc = "accepted", service
	}
	var fromOut any = from
	if from == "" {
		fromOut = nil
	}
	date := now.Format(time.RFC1123Z)
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", t.AccountSID, m.SID)
	writeJSON(w, http.StatusCreated, map[string]any{
		"account_sid": t.AccountSID, "api_version": "2010-04-01", "body": body,
		"date_created": date, "date_sent": nil, "date_updated": date,
		"direction": "outbound-api", "error_code": nil, "error_message": nil,
		"from": fromOut, "messaging_service_sid": svc, "num_media": "0",
		"num_segments": fmt.Sprint(segments(body)), "price": nil, "price_unit": "USD",
		"sid": m.SID, "status": status, "to": to, "uri": uri,
		"subresource_uris": map[string]string{"media": strings.TrimSuffix(uri, ".json") + "/Media.json"},
	})
}

// segments estimates how many SMS a body takes (GSM-7 or UCS-2).
func segments(body string) int {
	n, per := len([]rune(body)), 153
	for _, r := range body {
		if r > 127 {
			per = 67
			break
		}
	}
	if (per == 153 && n <= 160) || (per == 67 && n <= 70) {
		return 1
	}
	return (n + per - 1) / per
}
