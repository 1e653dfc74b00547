package wacht_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

// TestClientAgainstEmulator drives the client against wachttest's offline
// backend, an independent implementation of the platform API that checks
// every request and response against the spec: a user's life cycle, lazy
// iteration, multipart updates, retries through injected faults, and a
// non-idempotent request that is not retried.
func TestClientAgainstEmulator(t *testing.T) {
	srv := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	c, err := wacht.NewClient(wacht.Config{APIKey: srv.APIKey, BaseURL: srv.BackendURL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	var names []string
	for u, err := range c.Users.All(ctx, wacht.ListUsersParams{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, u.FirstName)
	}
	if len(names) < 3 || !contains(names, "Ada") || !contains(names, "Grace") {
		t.Fatalf("seeded users = %v", names)
	}

	created, err := c.Users.Create(ctx, wacht.CreateUserParams{
		FirstName:    "Katherine",
		LastName:     "Johnson",
		EmailAddress: wacht.Ptr("katherine@example.com"),
		Password:     wacht.Ptr("correct horse battery staple"),
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	updated, err := c.Users.Update(ctx, created.ID, wacht.UpdateUserParams{
		LastName:       wacht.Ptr("Goble Johnson"),
		PublicMetadata: map[string]any{"team": "flight-research"},
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if updated.LastName != "Goble Johnson" || updated.PublicMetadata["team"] != "flight-research" {
		t.Errorf("updated user = %+v", updated)
	}
	got, err := c.Users.Get(ctx, created.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.FirstName != "Katherine" || len(got.EmailAddresses) == 0 || got.EmailAddresses[0].Email != "katherine@example.com" {
		t.Errorf("user = %+v", got)
	}

	// Idempotent calls ride out transient failures.
	remove := srv.InjectFault(wachttest.Fault{Route: "getUserDetails", Times: 2, Status: 503})
	if _, err := c.Users.Get(ctx, created.ID); err != nil {
		t.Errorf("Get through two 503s: %v", err)
	}
	remove()

	// A POST whose connection drops is reported, not repeated.
	before := srv.Stats().Requests["addUserEmail"]
	remove = srv.InjectFault(wachttest.Fault{Route: "addUserEmail", Times: 1, Drop: true})
	_, err = c.Users.AddEmail(ctx, created.ID, wacht.AddEmailRequest{Email: "kj@example.com"})
	var reqErr *wacht.RequestError
	if !errors.As(err, &reqErr) {
		t.Errorf("AddEmail over a dropped connection: error = %v, want *wacht.RequestError", err)
	}
	if n := srv.Stats().Requests["addUserEmail"] - before; n != 1 {
		t.Errorf("addUserEmail reached the server %d times, want 1", n)
	}
	remove()

	if err := c.Users.Delete(ctx, created.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = c.Users.Get(ctx, created.ID)
	if !wacht.IsNotFound(err) {
		t.Fatalf("Get after Delete: error = %v, want not found", err)
	}
	var apiErr *wacht.APIError
	if errors.As(err, &apiErr) && !strings.Contains(apiErr.Path, created.ID) {
		t.Errorf("APIError.Path = %q", apiErr.Path)
	}

	// A wrong key is an inspectable 401 that does not echo the key.
	bad, err := wacht.NewClient(wacht.Config{APIKey: "sk_test_wrong_key_000", BaseURL: srv.BackendURL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Organizations.Get(ctx, wachttest.SeedOrganizationID)
	if !wacht.IsUnauthorized(err) || strings.Contains(err.Error(), "sk_test_wrong_key_000") {
		t.Errorf("wrong key: error = %v", err)
	}

	org, err := c.Organizations.Get(ctx, wachttest.SeedOrganizationID)
	if err != nil || org.Name != "Acme Inc" {
		t.Fatalf("Organizations.Get = %+v, %v", org, err)
	}
	members := 0
	for _, err := range c.Organizations.AllMembers(ctx, wachttest.SeedOrganizationID, wacht.ListOrganizationMembersParams{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		members++
	}
	if members < 2 {
		t.Errorf("organization members = %d, want the 2 seeded", members)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
