package fakesms

// The fake Twilio's Verify v2: starting, checking and updating
// verifications, within Twilio's limits.

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// live reports whether v is still pending and within its TTL. Callers
// hold t.mu.
func (t *Twilio) live(v *TwilioVerification) bool {
	return v.Status == "pending" && t.now().Before(v.Created.Add(verifyTTL))
}

// pending returns the live pending verification for to, if any. Callers
// hold t.mu.
func (t *Twilio) pending(to string) *TwilioVerification {
	for i := len(t.verifications) - 1; i >= 0; i-- {
		v := t.verifications[i]
		if v.To == to && t.live(v) {
			return v
		}
	}
	return nil
}

func (t *Twilio) verificationJSON(v *TwilioVerification) map[string]any {
	now := t.now().UTC().Format(time.RFC3339)
	return map[string]any{
		"sid": v.SID, "service_sid": t.VerifyServiceSID, "account_sid": t.AccountSID,
		"to": v.To, "channel": v.Channel, "status": v.Status, "valid": v.Status == "approved",
		"lookup": map[string]any{}, "amount": nil, "payee": nil,
		"date_created": v.Created.UTC().Format(time.RFC3339), "date_updated": now,
		"url": fmt.Sprintf("%s/v2/Services/%s/Verifications/%s", t.URL, t.VerifyServiceSID, v.SID),
	}
}

func (t *Twilio) createVerification(w http.ResponseWriter, r *http.Request) {
	to, channel := r.PostForm.Get("To"), r.PostForm.Get("Channel")
	if to == "" {
		t.fail(w, http.StatusBadRequest, 60200, "Invalid parameter `To`: ")
		return
	}
	if channel != "sms" {
		t.fail(w, http.StatusBadRequest, 60200, "Invalid parameter: Channel")
		return
	}
	if status, code, msg := t.checkTo(to, 60200, 60205, 60605); status != 0 {
		if code == 60200 {
			msg = "Invalid parameter `To`: " + to
		}
		if code == 60205 {
			msg = "SMS is not supported by landline phone number"
		}
		t.fail(w, status, code, "%s", msg)
		return
	}
	t.mu.Lock()
	v := t.pending(to)
	if v == nil {
		code, _ := auth.GenerateCode(t.opts.CodeLength)
		v = &TwilioVerification{SID: "VE" + hexID(), To: to, Channel: channel, Code: code, Status: "pending", Created: t.now()}
		t.verifications = append(t.verifications, v)
	}
	v.Sends++
	if v.Sends > verifyMaxSends {
		v.Sends--
		t.mu.Unlock()
		t.fail(w, http.StatusTooManyRequests, 60203, "Max send attempts reached")
		return
	}
	out := t.verificationJSON(v)
	t.mu.Unlock()
	out["send_code_attempts"] = []map[string]any{{"time": t.now().UTC().Format(time.RFC3339), "channel": "SMS", "attempt_sid": "VL" + hexID()}}
	writeJSON(w, http.StatusCreated, out)
}

func (t *Twilio) checkVerification(w http.ResponseWriter, r *http.Request) {
	code, to, sid := r.PostForm.Get("Code"), r.PostForm.Get("To"), r.PostForm.Get("VerificationSid")
	if code == "" {
		t.fail(w, http.StatusBadRequest, 60200, "Invalid parameter: Code")
		return
	}
	if to == "" && sid == "" {
		t.fail(w, http.StatusBadRequest, 60200, "Either a 'To' number or 'VerificationSid' must be specified")
		return
	}
	t.mu.Lock()
	var v *TwilioVerification
	if sid != "" {
		for _, x := range t.verifications {
			if x.SID == sid && t.live(x) && (to == "" || x.To == to) {
				v = x
			}
		}
	} else {
		v = t.pending(to)
	}
	if v == nil {
		t.mu.Unlock()
		t.fail(w, http.StatusNotFound, 20404, "The requested resource /Services/%s/VerificationCheck was not found", t.VerifyServiceSID)
		return
	}
	if v.Checks >= verifyMaxChecks {
		t.mu.Unlock()
		t.fail(w, http.StatusTooManyRequests, 60202, "Max check attempts reached")
		return
	}
	v.Checks++
	if subtle.ConstantTimeCompare([]byte(code), []byte(v.Code)) == 1 {
		v.Status = "approved"
	}
	out := t.verificationJSON(v)
	t.mu.Unlock()
	delete(out, "lookup")
	delete(out, "url")
	out["sna_attempts_error_codes"] = []any{}
	writeJSON(w, http.StatusOK, out)
}

func (t *Twilio) updateVerification(w http.ResponseWriter, r *http.Request, sid string) {
	status := r.PostForm.Get("Status")
	if status != "canceled" && status != "approved" {
		t.fail(w, http.StatusBadRequest, 60200, "Invalid parameter: Status")
		return
	}
	t.mu.Lock()
	var v *TwilioVerification
	for _, x := range t.verifications {
		if x.SID == sid && t.live(x) {
			v = x
		}
	}
	if v == nil {
		t.mu.Unlock()
		t.fail(w, http.StatusNotFound, 20404, "The requested resource /Services/%s/Verifications/%s was not found", t.VerifyServiceSID, sid)
		return
	}
	v.Status = status
	out := t.verificationJSON(v)
	t.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
