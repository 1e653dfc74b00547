package wachttest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Composio is an outside service: the server forwards the toolkit
// catalogue, tool listings and auth configs to backend.composio.dev
// (platform/src/application/composio.rs:19) and keeps only the
// deployment's settings (enabled, key, enabled apps) in
// deployment_ai_settings. The emulator stands in for Composio with a
// catalogue the test sets up front (SetComposioCatalog) and auth configs
// it creates when an app is enabled; the settings are kept as the server
// keeps them.

// ComposioToolkit is one toolkit of the emulated Composio catalogue.
type ComposioToolkit struct {
	Slug        string // lowercase, as Composio names toolkits ("github")
	Name        string // "" answers the slug, as the server does
	Description string // "" is left out of the answer
	Logo        string // "" is left out of the answer
	Categories  []string
	// AuthModes are the toolkit's auth schemes; their Mode values are
	// the toolkit's auth_schemes.
	AuthModes []ComposioAuthMode
	// ManagedSchemes are the modes Composio manages itself
	// (composio_managed_auth_schemes).
	ManagedSchemes []string
	Tools          []ComposioTool
}

// ComposioAuthMode is one auth scheme of a toolkit, as its auth details
// describe it.
type ComposioAuthMode struct {
	Mode    string // "OAUTH2", "API_KEY", ...
	Name    string // "" answers the mode
	HintURL string // "" is left out of the answer
	// ConfigFields are asked for when the auth config is created,
	// ConnectionFields when an account connects.
	ConfigFields, ConnectionFields []ComposioAuthField
}

// ComposioAuthField is one credential field of an auth mode.
type ComposioAuthField struct {
	Name, DisplayName, Type, Description string
	Required                             bool
	Default                              string // "" is left out of the answer
}

// ComposioTool is one tool of a toolkit.
type ComposioTool struct {
	Slug        string // Composio's slug, e.g. "GITHUB_CREATE_ISSUE"
	Name        string
	Description string
	InputSchema map[string]any // nil is left out of the answer
}

// SetComposioCatalog replaces the toolkits the emulated Composio knows.
// The catalogue starts empty. Listings answer the toolkits in the order
// given here; enabling an app of a toolkit that is not in the catalogue
// fails as Composio's refusal would.
func (s *Server) SetComposioCatalog(toolkits ...ComposioToolkit) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.composioCatalog = slices.Clone(toolkits)
}

// composioSettings is the Composio slice of deployment_ai_settings
// (models::ComposioSettingsRow, models/src/composio.rs:76). Its starting
// values are the server's answer for a deployment without a row
// (composio.rs:50): disabled, on the platform key, no apps.
type composioSettings struct {
	Enabled, UsePlatformKey bool
	APIKey                  *string
	Apps                    []composioApp
	// AuthConfigs are those the emulated Composio holds for the
	// deployment, in creation order.
	AuthConfigs []composioAuthConfig
	seq         int
}

type composioApp struct {
	Slug         string  `json:"slug"`
	AuthConfigID string  `json:"auth_config_id"`
	DisplayName  *string `json:"display_name,omitempty"`
	LogoURL      *string `json:"logo_url,omitempty"`
	AuthScheme   *string `json:"auth_scheme,omitempty"`
}

type composioAuthConfig struct {
	ID, Name, Toolkit string
	Scheme            *string
	Managed           bool
}

func newComposioSettings() composioSettings {
	return composioSettings{UsePlatformKey: true}
}

// view is ComposioConfigResponse (models/src/composio.rs:85): the key is
// never echoed, only whether one is set.
func (c *composioSettings) view() map[string]any {
	apps := c.Apps
	if apps == nil {
		apps = []composioApp{}
	}
	return map[string]any{"enabled": c.Enabled, "use_platform_key": c.UsePlatformKey, "api_key_set": c.APIKey != nil, "enabled_apps": apps}
}

// apiKey is resolve_composio_api_key (composio.rs:148). The hosted
// server has its platform key configured, and so has the emulator; a
// deployment on its own key must have set one.
func (c *composioSettings) apiKey() error {
	if !c.UsePlatformKey && c.APIKey == nil {
		return badRequest("Composio API key is not set. Enter your Composio API key to enable integrations.")
	}
	return nil
}

func (st *store) composioToolkit(slug string) *ComposioToolkit {
	for i := range st.composioCatalog {
		if st.composioCatalog[i].Slug == slug {
			return &st.composioCatalog[i]
		}
	}
	return nil
}

// composioFailure is how the server answers a request Composio refused:
// AppError::Internal, whose message is logged and not sent
// (platform/src/application/error.rs:36).
func composioFailure() error {
	return &httpError{http.StatusInternalServerError, "Something went wrong"}
}

func (s *Server) getComposioConfig(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error { return ok(w, st.composio.view()) })
}

// updateComposioConfig is update_composio_config (composio.rs:59):
// every field optional; api_key null or blank clears the key
// (commands/src/composio.rs:24); enabled_apps replaces the list as sent;
// a production deployment may not use the platform key.
func (s *Server) updateComposioConfig(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Enabled        *bool           `json:"enabled"`
		UsePlatformKey *bool           `json:"use_platform_key"`
		APIKey         json.RawMessage `json:"api_key"`
		EnabledApps    *[]composioApp  `json:"enabled_apps"`
	}
	if err := bindJSON(r, &body, "enabled_apps?[].slug", "enabled_apps?[].auth_config_id"); err != nil {
		return err
	}
	var key *string
	if len(body.APIKey) > 0 && string(body.APIKey) != "null" {
		if err := json.Unmarshal(body.APIKey, &key); err != nil {
			return jsonData("api_key: invalid type: expected a string")
		}
	}
	return s.locked(func(st *store) error {
		if body.UsePlatformKey != nil && *body.UsePlatformKey && strings.EqualFold(str(st.deployment["mode"]), "production") {
			return badRequest("Production deployments must bring their own Composio API key.")
		}
		c := &st.composio
		assign(&c.Enabled, body.Enabled)
		assign(&c.UsePlatformKey, body.UsePlatformKey)
		if len(body.APIKey) > 0 {
			c.APIKey = nil
			if key != nil && strings.TrimSpace(*key) != "" {
				c.APIKey = ptr(strings.TrimSpace(*key))
			}
		}
		if body.EnabledApps != nil {
			c.Apps = *body.EnabledApps
		}
		return ok(w, c.view())
	})
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// listComposioToolkits is list_toolkits (composio.rs:87): search is
// passed on only from 3 characters, limit clamped to 1..100. The
// emulated Composio matches search case-insensitively in the slug, name
// and description, category exactly against a category (any case), and
// pages with a cursor that is the next offset; without a limit it
// answers every match.
func (s *Server) listComposioToolkits(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 0
	if q.Has("limit") {
		n, err := strconv.ParseUint(q.Get("limit"), 10, 32)
		if err != nil {
			return queryRejection("limit: invalid digit found in string")
		}
		limit = min(max(int(n), 1), 100)
	}
	search := strings.TrimSpace(q.Get("search"))
	if len([]rune(search)) < 3 {
		search = ""
	}
	category := strings.TrimSpace(q.Get("category"))
	offset := 0
	if c := strings.TrimSpace(q.Get("cursor")); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			return composioFailure()
		}
		offset = n
	}
	return s.locked(func(st *store) error {
		if err := st.composio.apiKey(); err != nil {
			return err
		}
		var match []map[string]any
		for _, tk := range st.composioCatalog {
			if search != "" && !containsFold(tk.Slug+"\n"+tk.Name+"\n"+tk.Description, search) {
				continue
			}
			if category != "" && !slices.ContainsFunc(tk.Categories, func(c string) bool { return strings.EqualFold(c, category) }) {
				continue
			}
			match = append(match, toolkitView(tk))
		}
		out := map[string]any{}
		end := len(match)
		if limit > 0 && offset+limit < end {
			end = offset + limit
			out["next_cursor"] = strconv.Itoa(end)
		}
		page := []map[string]any{}
		if offset < len(match) {
			page = match[offset:end]
		}
		out["toolkits"] = page
		return ok(w, out)
	})
}

// toolkitView is ComposioToolkit (models/src/composio.rs:16).
func toolkitView(tk ComposioToolkit) map[string]any {
	v := map[string]any{"slug": tk.Slug, "name": orDefault(tk.Name, tk.Slug), "categories": orEmptySlice(tk.Categories),
		"tool_count": len(tk.Tools)}
	schemes := []string{}
	for _, m := range tk.AuthModes {
		schemes = append(schemes, m.Mode)
	}
	v["auth_schemes"] = schemes
	if tk.Description != "" {
		v["description"] = tk.Description
	}
	if tk.Logo != "" {
		v["logo"] = tk.Logo
	}
	return v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orEmptySlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// listComposioTools is list_composio_tools (composio.rs:655) over
// list_external_tools_for_deployment (agent-engine/src/tools/external.rs:343):
// nothing unless Composio is enabled with a usable key; then the tools of
// the enabled toolkits (only those of ?toolkits=, comma-separated,
// trimmed and lowercased, that are enabled), named
// v_composio_<lowercased slug> (external.rs:49).
func (s *Server) listComposioTools(w http.ResponseWriter, r *http.Request) error {
	var filter []string
	if q := r.URL.Query(); q.Has("toolkits") {
		for _, t := range strings.Split(q.Get("toolkits"), ",") {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				filter = append(filter, t)
			}
		}
	}
	return s.locked(func(st *store) error {
		tools := []map[string]any{}
		c := &st.composio
		if !c.Enabled || c.apiKey() != nil {
			return ok(w, map[string]any{"tools": tools})
		}
		var enabled []string
		for _, a := range c.Apps {
			enabled = append(enabled, a.Slug)
		}
		toolkits := enabled
		if len(filter) > 0 {
			toolkits = slices.DeleteFunc(filter, func(t string) bool { return !slices.Contains(enabled, t) })
		}
		for _, slug := range toolkits {
			tk := st.composioToolkit(slug)
			if tk == nil {
				continue
			}
			for _, t := range tk.Tools {
				v := map[string]any{"name": "v_composio_" + strings.ToLower(t.Slug), "toolkit_slug": tk.Slug, "remote_tool_slug": t.Slug}
				if t.Name != "" {
					v["display_name"] = t.Name
				}
				if t.Description != "" {
					v["description"] = t.Description
				}
				if t.InputSchema != nil {
					v["input_schema"] = t.InputSchema
				}
				tools = append(tools, v)
			}
		}
		return ok(w, map[string]any{"tools": tools})
	})
}

// enableComposioApp is enable_app (composio.rs:284). The auth is
// ComposioEnableAppAuth, tagged by type (models/src/composio.rs:133):
// use_existing keeps the given auth config; managed and custom have
// Composio create one named wacht/<deployment>/<slug> (composio.rs:21),
// which the emulated Composio refuses for a toolkit it does not know
// (the server's 400 "Composio rejected the auth config ...", :443).
func (s *Server) enableComposioApp(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Slug        string  `json:"slug"`
		DisplayName *string `json:"display_name"`
		LogoURL     *string `json:"logo_url"`
		Auth        struct {
			Type         string  `json:"type"`
			AuthScheme   *string `json:"auth_scheme"`
			AuthConfigID *string `json:"auth_config_id"`
		} `json:"auth"`
	}
	if err := bindJSON(r, &body, "slug", "auth", "auth.type"); err != nil {
		return err
	}
	auth := body.Auth
	// The variant's own required field, as serde asks for it once the
	// tag has chosen the variant.
	switch auth.Type {
	case "managed":
	case "custom":
		if auth.AuthScheme == nil {
			return jsonData("missing field `auth_scheme` (or null where a value is required)")
		}
	case "use_existing":
		if auth.AuthConfigID == nil {
			return jsonData("missing field `auth_config_id` (or null where a value is required)")
		}
	default:
		return jsonData("auth: unknown variant `" + auth.Type + "`, expected one of `managed`, `custom`, `use_existing`")
	}
	slug := strings.ToLower(strings.TrimSpace(body.Slug))
	if slug == "" {
		return badRequest("slug is required")
	}
	return s.locked(func(st *store) error {
		c := &st.composio
		if slices.ContainsFunc(c.Apps, func(a composioApp) bool { return a.Slug == slug }) {
			return badRequest(slug + " is already enabled for this deployment")
		}
		if err := c.apiKey(); err != nil {
			return err
		}
		var scheme *string
		if auth.AuthScheme != nil {
			scheme = ptr(strings.ToUpper(*auth.AuthScheme))
		}
		app := composioApp{Slug: slug, DisplayName: body.DisplayName, LogoURL: body.LogoURL, AuthScheme: scheme}
		if auth.Type == "use_existing" {
			app.AuthConfigID = strings.TrimSpace(*auth.AuthConfigID)
		} else {
			if st.composioToolkit(slug) == nil {
				return badRequest("Composio rejected the auth config (400 Bad Request): toolkit " + slug + " not found")
			}
			c.seq++
			ac := composioAuthConfig{ID: "ac_wachttest" + strconv.Itoa(c.seq), Name: "wacht/" + DeploymentID + "/" + slug,
				Toolkit: slug, Scheme: scheme, Managed: auth.Type == "managed"}
			c.AuthConfigs = append(c.AuthConfigs, ac)
			app.AuthConfigID = ac.ID
		}
		c.Apps = append(c.Apps, app)
		return ok(w, c.view())
	})
}

// disableComposioApp is disable_app (composio.rs:344): 404 "<slug> is
// not enabled"; the app's auth config is deleted at Composio and the
// remaining apps are stored in slug order.
func (s *Server) disableComposioApp(w http.ResponseWriter, r *http.Request) error {
	slug := strings.ToLower(strings.TrimSpace(r.PathValue("slug")))
	return s.locked(func(st *store) error {
		c := &st.composio
		i := slices.IndexFunc(c.Apps, func(a composioApp) bool { return a.Slug == slug })
		if i < 0 {
			return notFound(slug + " is not enabled")
		}
		removed := c.Apps[i].AuthConfigID
		c.Apps = slices.Delete(c.Apps, i, i+1)
		if c.apiKey() == nil {
			c.AuthConfigs = slices.DeleteFunc(c.AuthConfigs, func(ac composioAuthConfig) bool { return ac.ID == removed })
		}
		slices.SortStableFunc(c.Apps, func(a, b composioApp) int { return strings.Compare(a.Slug, b.Slug) })
		return ok(w, c.view())
	})
}

// listToolkitAuthConfigs is list_toolkit_auth_configs (composio.rs:683):
// on the platform key nothing (other tenants' configs would show);
// otherwise the toolkit's auth configs named for this deployment.
func (s *Server) listToolkitAuthConfigs(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	return s.locked(func(st *store) error {
		c := &st.composio
		out := []map[string]any{}
		if c.UsePlatformKey {
			return ok(w, map[string]any{"auth_configs": out})
		}
		if err := c.apiKey(); err != nil {
			return err
		}
		for _, ac := range c.AuthConfigs {
			if ac.Toolkit == slug && strings.HasPrefix(ac.Name, "wacht/"+DeploymentID+"/") {
				out = append(out, map[string]any{"id": ac.ID, "name": ac.Name, "auth_scheme": ac.Scheme,
					"is_composio_managed": ac.Managed, "toolkit_slug": ac.Toolkit})
			}
		}
		return ok(w, map[string]any{"auth_configs": out})
	})
}

// getToolkitAuthDetails is get_toolkit_auth_details (composio.rs:461):
// a toolkit Composio does not know is its error passed on as a 500.
func (s *Server) getToolkitAuthDetails(w http.ResponseWriter, r *http.Request) error {
	slug := strings.ToLower(strings.TrimSpace(r.PathValue("slug")))
	if slug == "" {
		return badRequest("slug is required")
	}
	return s.locked(func(st *store) error {
		if err := st.composio.apiKey(); err != nil {
			return err
		}
		tk := st.composioToolkit(slug)
		if tk == nil {
			return composioFailure()
		}
		modes := []map[string]any{}
		for _, m := range tk.AuthModes {
			v := map[string]any{"mode": m.Mode, "name": orDefault(m.Name, m.Mode),
				"auth_config_creation": authFields(m.ConfigFields), "connected_account_initiation": authFields(m.ConnectionFields)}
			if m.HintURL != "" {
				v["auth_hint_url"] = m.HintURL
			}
			modes = append(modes, v)
		}
		v := map[string]any{"slug": tk.Slug, "name": orDefault(tk.Name, tk.Slug),
			"composio_managed_auth_schemes": orEmptySlice(tk.ManagedSchemes), "auth_modes": modes}
		if tk.Logo != "" {
			v["logo"] = tk.Logo
		}
		return ok(w, v)
	})
}

// authFields is ComposioToolkitAuthFields (models/src/composio.rs:166):
// required and optional always written.
func authFields(fields []ComposioAuthField) map[string]any {
	required, optional := []map[string]any{}, []map[string]any{}
	for _, f := range fields {
		v := map[string]any{"name": f.Name, "display_name": f.DisplayName, "type": f.Type, "description": f.Description, "required": f.Required}
		if f.Default != "" {
			v["default"] = f.Default
		}
		if f.Required {
			required = append(required, v)
		} else {
			optional = append(optional, v)
		}
	}
	return map[string]any{"required": required, "optional": optional}
}
