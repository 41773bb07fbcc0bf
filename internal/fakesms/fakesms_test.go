package fakesms_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

// call sends one request and decodes the JSON answer.
func call(t *testing.T, method, u, user, pass, ctype, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

const form = "application/x-www-form-urlencoded"

func TestTwilioAnswersLikeTwilio(t *testing.T) {
	now := time.Now()
	f := fakesms.NewTwilio(t, fakesms.TwilioOptions{Now: func() time.Time { return now }})
	msgs := f.URL + "/2010-04-01/Accounts/" + f.AccountSID + "/Messages.json"
	verify := f.URL + "/v2/Services/" + f.VerifyServiceSID
	send := url.Values{"To": {"+12015550100"}, "From": {"+12015550199"}, "Body": {"hi"}}.Encode()
	tests := []struct {
		name               string
		url, user, body    string
		status, code       int
		wantStatusField    string
		checkDetailPresent bool
	}{
		{name: "no credentials", url: msgs, body: send, status: 401, code: 20003, checkDetailPresent: true},
		{name: "wrong token", url: msgs, user: f.AccountSID, body: send, status: 401, code: 20003},
		{name: "other account in the path", url: f.URL + "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json", user: f.AccountSID, body: send, status: 404, code: 20404},
		{name: "message sent", url: msgs, user: f.AccountSID, body: send, status: 201, wantStatusField: "queued"},
		{name: "message without To", url: msgs, user: f.AccountSID, body: "Body=hi&From=%2B12015550199", status: 400, code: 21604},
		{name: "verification started", url: verify + "/Verifications", user: f.AccountSID, body: "To=%2B12015550100&Channel=sms", status: 201, wantStatusField: "pending"},
		{name: "wrong code", url: verify + "/VerificationCheck", user: f.AccountSID, body: "To=%2B12015550100&Code=000000", status: 200, wantStatusField: "pending"},
		{name: "check of a number without verification", url: verify + "/VerificationCheck", user: f.AccountSID, body: "To=%2B12015550101&Code=000000", status: 404, code: 20404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pass := f.AuthToken
			if tt.name == "wrong token" {
				pass = "nope"
			}
			status, m := call(t, http.MethodPost, tt.url, tt.user, pass, form, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%v)", status, tt.status, m)
			}
			if tt.code != 0 {
				if m["code"] != float64(tt.code) || m["status"] != float64(tt.status) || m["message"] == "" ||
					m["more_info"] != fmt.Sprintf("https://www.twilio.com/docs/errors/%d", tt.code) {
					t.Fatalf("error body %v, want Twilio's with code %d", m, tt.code)
				}
				if tt.checkDetailPresent && m["detail"] != "Your AccountSid or AuthToken was incorrect." {
					t.Fatalf("401 body %v lacks Twilio's detail", m)
				}
			}
			if tt.wantStatusField != "" && m["status"] != tt.wantStatusField {
				t.Fatalf("status field %v, want %s", m["status"], tt.wantStatusField)
			}
		})
	}
	now = now.Add(11 * time.Minute)
	if status, m := call(t, http.MethodPost, verify+"/VerificationCheck", f.AccountSID, f.AuthToken, form, "To=%2B12015550100&Code="+f.Code("+12015550100")); status != 404 {
		t.Fatalf("check after ten minutes: %d %v, want 404", status, m)
	}
	if n := len(f.Requests()); n != len(tests)+1 {
		t.Fatalf("%d requests logged, want %d", n, len(tests)+1)
	}
}

func TestSinchAnswersLikeSinch(t *testing.T) {
	f := fakesms.NewSinch(t, fakesms.SinchOptions{})
	start := f.URL + "/verification/v1/verifications"
	body := `{"identity":{"type":"number","endpoint":"+12015550100"},"method":"sms"}`
	status, m := call(t, http.MethodPost, start, "", "", "application/json", body)
	if status != 401 || m["errorCode"] != "40100" || m["message"] == "" {
		t.Fatalf("no credentials: %d %v", status, m)
	}
	status, m = call(t, http.MethodPost, start, f.KeyID, "wrong", "application/json", body)
	if status != 401 || m["errorCode"] != "40107" {
		t.Fatalf("wrong secret: %d %v", status, m)
	}
	status, m = call(t, http.MethodPost, start, f.KeyID, f.KeySecret, "application/json", body)
	id, _ := m["id"].(string)
	if status != 200 || id == "" || m["method"] != "sms" {
		t.Fatalf("start: %d %v", status, m)
	}
	report := start + "/id/" + id
	status, m = call(t, http.MethodPut, report, f.KeyID, f.KeySecret, "application/json", `{"method":"sms","sms":{"code":"`+f.Code("+12015550100")+`"}}`)
	if status != 200 || m["status"] != "SUCCESSFUL" {
		t.Fatalf("report: %d %v", status, m)
	}
	f.FailAll(&fakesms.Failure{Status: 503, Code: 50300, Message: "Service is temporarily unavailable, please try again later."})
	for range 2 {
		if status, m = call(t, http.MethodPost, start, f.KeyID, f.KeySecret, "application/json", body); status != 503 || m["errorCode"] != "50300" {
			t.Fatalf("FailAll: %d %v", status, m)
		}
	}
	f.FailAll(nil)
	if status, _ = call(t, http.MethodPost, start, f.KeyID, f.KeySecret, "application/json", body); status != 200 {
		t.Fatalf("after FailAll(nil): %d", status)
	}
}

// TestFakesRefuseMalformedRequests: the fakes refuse what the real APIs
// refuse, so that a provider sending a wrong request fails its tests: a
// Twilio call that is not a form, a Sinch signed request whose
// signature, timestamp, body or content type is not what was signed.
func TestFakesRefuseMalformedRequests(t *testing.T) {
	tw := fakesms.NewTwilio(t, fakesms.TwilioOptions{})
	msgs := tw.URL + "/2010-04-01/Accounts/" + tw.AccountSID + "/Messages.json"
	if status, _ := call(t, http.MethodPost, msgs, tw.AccountSID, tw.AuthToken, "application/json", `{"To":"+12015550100","From":"+12015550199","Body":"hi"}`); status != 400 || len(tw.Messages()) != 0 {
		t.Fatalf("Twilio took JSON: %d, %d messages", status, len(tw.Messages()))
	}

	now := time.Now()
	f := fakesms.NewSinch(t, fakesms.SinchOptions{Now: func() time.Time { return now }})
	const path = "/verification/v1/verifications"
	body := `{"identity":{"type":"number","endpoint":"+12015550100"},"method":"sms"}`
	secret, _ := base64.StdEncoding.DecodeString(f.KeySecret)
	signed := func(key []byte, at time.Time, signedBody, sentBody, ctype string) int {
		ts := at.UTC().Format("2006-01-02T15:04:05Z")
		req, _ := http.NewRequest(http.MethodPost, f.URL+path, strings.NewReader(sentBody))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("X-Timestamp", ts)
		req.Header.Set("Authorization", "Application "+f.KeyID+":"+sms.SinchSignature(key, http.MethodPost, []byte(signedBody), ctype, ts, path))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct {
		name         string
		status, want int
	}{
		{"signed right", signed(secret, now, body, body, "application/json"), 200},
		{"wrong secret", signed([]byte("not the secret"), now, body, body, "application/json"), 401},
		{"twenty minutes old", signed(secret, now.Add(-20*time.Minute), body, body, "application/json"), 401},
		{"body changed", signed(secret, now, body, strings.Replace(body, "0100", "0101", 1), "application/json"), 401},
		{"not JSON", signed(secret, now, body, body, "text/plain"), 400},
	}
	for _, tt := range tests {
		if tt.status != tt.want {
			t.Errorf("%s: Sinch answered %d, want %d", tt.name, tt.status, tt.want)
		}
	}
	if n := len(f.Verifications()); n != 1 {
		t.Fatalf("%d verifications started, want only the rightly signed one", n)
	}
}
