package wachttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// notification is models::Notification (models/src/notification.rs:16):
// ctas, read_at, archived_at, metadata and expires_at are left out when
// unset; the recipient ids are always written, null when unset.
type notification struct {
	ID             string         `json:"id"`
	DeploymentID   string         `json:"deployment_id"`
	UserID         *string        `json:"user_id"`
	OrganizationID *string        `json:"organization_id"`
	WorkspaceID    *string        `json:"workspace_id"`
	Title          string         `json:"title"`
	Body           string         `json:"body"`
	CTAs           []callToAction `json:"ctas,omitempty"`
	Severity       string         `json:"severity"`
	IsRead         bool           `json:"is_read"`
	IsArchived     bool           `json:"is_archived"`
	Metadata       map[string]any `json:"metadata,omitempty"`
	Created        time.Time      `json:"created_at"`
	Updated        time.Time      `json:"updated_at"`
	ExpiresAt      *time.Time     `json:"expires_at,omitempty"`
}

type callToAction struct {
	Label   string `json:"label"`
	Payload string `json:"payload"`
}

// Notifications returns the notifications the backend API has created,
// oldest first: the emulator delivers them nowhere, so a test reads them
// here.
func (s *Server) Notifications() []Notification {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]Notification, 0, len(s.st.notifications))
	for _, n := range s.st.notifications {
		out = append(out, Notification{ID: n.ID, UserID: deref(n.UserID), Title: n.Title, Body: n.Body, Severity: n.Severity})
	}
	return out
}

// Notification is one notification the backend API created for a user.
type Notification struct {
	ID, UserID, Title, Body, Severity string
}

// createNotification is create_notification
// (platform/src/application/notifications.rs:151): the recipients are
// user_id, user_ids and the members of organization_id and workspace_id,
// each once, in id order, and each gets a notification of its own. ids
// are FlexibleI64 (a number or a numeric string,
// models/src/flexible_i64.rs:53); severity is free text mapped to info,
// success, warning or error (anything else is info); without ctas an
// action_url becomes one call to action labelled action_label or "View".
// The server inserts ctas and metadata as given and fails reading them
// back when they are not [{label, payload}] and an object: a 500
// (commands/src/notification.rs:157).
func (s *Server) createNotification(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		UserID         *flexID         `json:"user_id"`
		UserIDs        []flexID        `json:"user_ids"`
		OrganizationID *flexID         `json:"organization_id"`
		WorkspaceID    *flexID         `json:"workspace_id"`
		Title          string          `json:"title"`
		Body           string          `json:"body"`
		ActionURL      *string         `json:"action_url"`
		ActionLabel    *string         `json:"action_label"`
		CTAs           json.RawMessage `json:"ctas"`
		Severity       *string         `json:"severity"`
		Metadata       json.RawMessage `json:"metadata"`
		ExpiresHours   *int64          `json:"expires_hours"`
	}
	if err := bindJSON(r, &body, "title", "body"); err != nil {
		return err
	}
	// The read-back's failure is map_err_internal: the generic 500
	// (platform/src/application/error.rs).
	readBackFailed := &httpError{http.StatusInternalServerError, "Something went wrong"}
	var ctas []callToAction
	if len(body.CTAs) > 0 && string(body.CTAs) != "null" {
		// Vec<CallToAction>: label and payload are required strings.
		var raw []map[string]json.RawMessage
		if err := json.Unmarshal(body.CTAs, &raw); err != nil {
			return readBackFailed
		}
		for _, c := range raw {
			var cta callToAction
			if json.Unmarshal(c["label"], &cta.Label) != nil || json.Unmarshal(c["payload"], &cta.Payload) != nil {
				return readBackFailed
			}
			ctas = append(ctas, cta)
		}
	} else if body.ActionURL != nil {
		ctas = []callToAction{{Label: ptrOr(body.ActionLabel, "View"), Payload: *body.ActionURL}}
	}
	var metadata map[string]any
	if len(body.Metadata) > 0 && string(body.Metadata) != "null" {
		if err := json.Unmarshal(body.Metadata, &metadata); err != nil {
			return readBackFailed
		}
	}
	severity := "info"
	if body.Severity != nil {
		switch *body.Severity {
		case "success", "warning", "error":
			severity = *body.Severity
		}
	}
	return s.locked(func(st *store) error {
		recipients := map[string]bool{}
		if body.UserID != nil {
			recipients[string(*body.UserID)] = true
		}
		for _, id := range flexIDs(body.UserIDs) {
			recipients[id] = true
		}
		var orgID, wsID *string
		if body.OrganizationID != nil {
			orgID = ptr(string(*body.OrganizationID))
			for _, m := range st.orgMembers {
				if m.Scope == *orgID {
					recipients[m.UserID] = true
				}
			}
		}
		if body.WorkspaceID != nil {
			wsID = ptr(string(*body.WorkspaceID))
			for _, m := range st.wsMembers {
				if m.Scope == *wsID {
					recipients[m.UserID] = true
				}
			}
		}
		if len(recipients) == 0 {
			return badRequest("At least one recipient must be specified via user_id, user_ids, organization_id, or workspace_id")
		}
		ids := make([]string, 0, len(recipients))
		for id := range recipients {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, idCmp)
		now := time.Now().UTC()
		var expires *time.Time
		if body.ExpiresHours != nil {
			expires = ptr(now.Add(time.Duration(*body.ExpiresHours) * time.Hour))
		}
		created := make([]*notification, 0, len(ids))
		for _, uid := range ids {
			n := &notification{ID: st.newID(), DeploymentID: DeploymentID, UserID: ptr(uid), OrganizationID: orgID, WorkspaceID: wsID,
				Title: body.Title, Body: body.Body, CTAs: ctas, Severity: severity, Metadata: metadata,
				Created: now, Updated: now, ExpiresAt: expires}
			st.notifications = append(st.notifications, n)
			created = append(created, n)
		}
		return ok(w, struct {
			Data []*notification `json:"data"`
		}{created})
	})
}

// createSessionTicket is create_session_ticket
// (platform/src/application/session_tickets.rs:40-250): ticket_type must be
// impersonation, agent_access, webhook_app_access or api_auth_access, each
// with the field it needs; the ticket is a snowflake id kept in Redis for
// expires_in seconds (default 12 hours, commands/src/session_ticket.rs:174),
// and url is the page that redeems it: the frontend's /sign-in for
// impersonation, the backend host's /vanity/... for the others.
func (s *Server) createSessionTicket(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		TicketType             string          `json:"ticket_type"`
		UserID                 *string         `json:"user_id"`
		ActorID                *string         `json:"actor_id"`
		AgentIDs               []string        `json:"agent_ids"`
		AgentSessionIdentifier json.RawMessage `json:"agent_session_identifier"`
		WebhookAppSlug         *string         `json:"webhook_app_slug"`
		APIAuthAppSlug         *string         `json:"api_auth_app_slug"`
		ExpiresIn              *uint64         `json:"expires_in"`
	}
	if err := bindJSON(r, &body, "ticket_type"); err != nil {
		return err
	}
	required := func(v *string, name string) error {
		if v == nil {
			return badRequest(name + " is required for " + body.TicketType + " tickets")
		}
		if *v == "" {
			return badRequest(name + " cannot be empty for " + body.TicketType + " tickets")
		}
		return nil
	}
	host, page := strings.TrimPrefix(s.BackendURL, "http://"), ""
	switch body.TicketType {
	case "impersonation":
		if body.UserID == nil {
			return badRequest("user_id is required for impersonation tickets")
		}
		host, page = strings.TrimPrefix(s.FrontendURL, "http://"), "/sign-in"
	case "agent_access":
		// A static agent session (no identifier, or "static") belongs to
		// an existing actor, checked before the agents
		// (platform/src/application/session_tickets.rs:70-85,150,255-262).
		if ident := strings.TrimSpace(string(body.AgentSessionIdentifier)); ident == "" || ident == "null" || ident == `"static"` {
			switch {
			case body.ActorID == nil:
				return badRequest("actor_id is required for static agent_access tickets")
			case *body.ActorID == "":
				return badRequest("actor_id cannot be empty for static agent_access tickets")
			}
			n, err := strconv.ParseInt(*body.ActorID, 10, 64)
			if err != nil {
				return badRequest("actor_id must be a valid integer")
			}
			if err := s.locked(func(st *store) error {
				if _, ok := st.actors[strconv.FormatInt(n, 10)]; !ok {
					return notFound(fmt.Sprintf("Actor %d not found", n))
				}
				return nil
			}); err != nil {
				return err
			}
		}
		switch {
		case body.AgentIDs == nil:
			return badRequest("agent_ids is required for agent_access tickets")
		case len(body.AgentIDs) == 0:
			return badRequest("agent_ids cannot be empty for agent_access tickets")
		}
		page = "/vanity/agents"
	case "webhook_app_access":
		if err := required(body.WebhookAppSlug, "webhook_app_slug"); err != nil {
			return err
		}
		page = "/vanity/webhook"
	case "api_auth_access":
		if err := required(body.APIAuthAppSlug, "api_auth_app_slug"); err != nil {
			return err
		}
		page = "/vanity/api-auth"
	default:
		return badRequest("Invalid ticket_type. Must be 'impersonation', 'agent_access', 'webhook_app_access', or 'api_auth_access'")
	}
	ttl := uint64(43200)
	if body.ExpiresIn != nil {
		ttl = *body.ExpiresIn
	}
	return s.locked(func(st *store) error {
		ticket := strconv.FormatInt(st.snowflake(time.Now()), 10)
		return ok(w, struct {
			Ticket    string `json:"ticket"`
			ExpiresAt int64  `json:"expires_at"`
			URL       string `json:"url"`
		}{ticket, time.Now().Unix() + int64(ttl), "https://" + host + page + "?ticket=" + url.QueryEscape(ticket)})
	})
}
