package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestResetAskedAgainTextsTheAsker: bob asks for a reset, the text does
// not come (or he lost it), and he asks again, on the pages or through
// the API, his reset's handle sent back as it is. With Twilio Verify or
// Sinch his first reset held the number's verification, and his second
// step one was refused there like anyone else's (answered as a decoy):
// nothing was texted, for as long as the first code lived. Now a step
// one that carries its asker's own pending reset continues it, as a
// resend does: the number is texted again, and the code it gets sets
// the password (docs/contract.md, "Password reset, step two").
func TestResetAskedAgainTextsTheAsker(t *testing.T) {
	t.Parallel()
	for pname, provider := range sharedProviders() {
		for _, asker := range resetAskers() {
			t.Run(pname+"/"+asker.name, func(t *testing.T) {
				p := provider(t)
				s := withAccounts
				s.sender = p.sender
				s.edit = func(cfg *config.Config, dir string) {
					withAccounts.edit(cfg, dir)
					cfg.Users.Reset.Require = []string{"sms"}
				}
				h := newHarness(t, s)
				bobs := h.newClient(t)
				asker.start(t, bobs, "bob")
				texts := p.texts(bob.phone)
				asker.start(t, bobs, "bob")
				if got := p.texts(bob.phone); got != texts+1 {
					t.Errorf("bob's reset asked again texted his number %d times; want once", got-texts)
				}
				const chosen = "bob's own new passphrase"
				in := map[string]string{"username": "bob", "code": p.code(bob.phone), "password": chosen}
				if got := asker.finish(t, bobs, in); got != http.StatusOK {
					t.Fatalf("bob's code, after asking again: %d; want his password set", got)
				}
				h.newClient(t).login(appHost, testUser{name: "bob", password: chosen}).wantStatus(t, http.StatusOK)
			})
		}
	}
}
