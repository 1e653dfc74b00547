package gcfsample

import (
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/platforms/gcf"
	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/wachttest"
)

func TestUserUpdates(t *testing.T) {
	emu := wachttest.New(t, wachttest.Options{Validate: contract.Validate, Seed: true})
	env := map[string]string{handler.EnvAPIKey: emu.APIKey, handler.EnvBackendAPIURL: emu.BackendURL}
	k := handler.New(handler.Options{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, Logger: slog.New(slog.DiscardHandler)})
	fn := gcf.PubSubHandler(k, UserUpdates)

	event := func(id string, attrs map[string]string, body string) cloudevents.Event {
		data, _ := json.Marshal(gcf.MessagePublishedData{Message: gcf.PubSubMessage{ID: id, Attributes: attrs, Data: []byte(body)}})
		e := cloudevents.NewEvent()
		e.SetID(id)
		e.SetSource("//pubsub.googleapis.com/projects/p/topics/user-updates")
		e.SetType(gcf.TypePubSubPublished)
		_ = e.SetData(cloudevents.ApplicationJSON, json.RawMessage(data))
		return e
	}

	if err := fn(t.Context(), event("1", map[string]string{"user_id": wachttest.SeedUserID}, `{"first_name":"Augusta"}`)); err != nil {
		t.Fatal(err)
	}
	c, err := wacht.NewClient(wacht.Config{APIKey: emu.APIKey, BaseURL: emu.BackendURL})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.Users.Get(t.Context(), wachttest.SeedUserID)
	if err != nil || u.FirstName != "Augusta" || u.LastName != "Lovelace" {
		t.Fatalf("user %+v, %v", u, err)
	}

	for _, tc := range []struct {
		name  string
		attrs map[string]string
		body  string
		field string
	}{
		{"no user_id", nil, `{"first_name":"X"}`, "message.attributes.user_id"},
		{"body not JSON", map[string]string{"user_id": wachttest.SeedUserID}, `first_name=X`, "message.data"},
		{"no body", map[string]string{"user_id": wachttest.SeedUserID}, ``, "message.data"},
	} {
		before := emu.Stats().Requests
		err := fn(t.Context(), event("2", tc.attrs, tc.body))
		var de *gcf.DecodeError
		if !errors.As(err, &de) || de.Field != tc.field {
			t.Errorf("%s: error %v", tc.name, err)
		}
		after := emu.Stats().Requests
		for op, n := range after {
			if n != before[op] {
				t.Errorf("%s: backend called (%s) for a rejected message", tc.name, op)
			}
		}
	}
}
