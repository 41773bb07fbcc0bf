package fakesms_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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
