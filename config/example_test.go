package config_test

// Tests of the example gateway.yaml at the repository root: it is valid,
// shows the defaults and names every key.

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestExampleGatewayYAML keeps the documented example at the repository
// root valid and complete.
func TestExampleGatewayYAML(t *testing.T) {
	const path = "../gateway.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(path, data, noEnv)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}

	// Apart from public_url and the routes, the example shows the defaults.
	want := config.Default()
	want.Server.PublicURL = "https://auth.example.com"
	want.Routes = cfg.Routes
	want.OTP.AllowedCountries = []string{}
	want.Admin.SMSPrices = map[string]float64{}
	want.Identity.PreviousKeyFiles = []string{}
	// Relative files are relative to the example's folder.
	want.Users.File = filepath.Join("..", want.Users.File)
	want.Identity.SigningKeyFile = filepath.Join("..", want.Identity.SigningKeyFile)
	sameConfig(t, cfg, want)

	byName := map[string]config.Route{}
	for _, r := range cfg.Routes {
		byName[r.Name] = r
	}
	for name, policy := range map[string]string{
		"crm": "two_factor", "crm-public": "bypass", "crm-admin": "two_factor",
		"crm-debug": "deny", "status": "sms", "reports": "password",
	} {
		if got := byName[name].Policy; got != policy {
			t.Errorf("route %s has policy %q, want %q", name, got, policy)
		}
	}
	if got := byName["crm-admin"].MaxAuthAge; got != 10*time.Minute {
		t.Errorf("crm-admin max_auth_age = %s, want 10m", got)
	}
	if len(byName["crm"].Groups) == 0 {
		t.Errorf("crm route has no groups")
	}
}

// TestExampleSetsEveryKey makes sure the example documents every key the
// configuration has: each must appear in the file.
func TestExampleSetsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("gateway.yaml", data, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range allKeys(t) {
		if cfg.Line(key) == 0 && !secretFileKey(key) && key != "server.fast_authz" { // deprecated: not shown
			t.Errorf("gateway.yaml does not show %s", key)
		}
	}
}
