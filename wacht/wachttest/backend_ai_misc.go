package wachttest

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// mcpServer is models::McpServer (models/src/mcp_server.rs:5); config
// (endpoint, auth, headers) is kept and written back as sent, secrets
// included (commands/src/mcp_server.rs:41).
type mcpServer struct {
	ID, Name, Slug   string
	Config           map[string]any
	Created, Updated time.Time
}

func (m *mcpServer) createdAt() time.Time { return m.Created }
func (m *mcpServer) key() string          { return m.ID }

func (m *mcpServer) view() map[string]any {
	return map[string]any{"id": m.ID, "created_at": m.Created, "updated_at": m.Updated, "deployment_id": DeploymentID,
		"name": m.Name, "slug": m.Slug, "config": m.Config}
}

// queries/src/mcp_server.rs:226
func (st *store) mcpServer(id string) (*mcpServer, error) {
	m, found := st.mcpServers[id]
	if !found {
		return nil, notFound("MCP server not found")
	}
	return m, nil
}

func mcpSlug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func (s *Server) listMCPServers(w http.ResponseWriter, r *http.Request) error {
	lq, offsetSent, err := aiPage(r, 50)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		return ok(w, pageOf(viewsOf(latestFirst(st.mcpServers, nil), (*mcpServer).view), lq, offsetSent))
	})
}

// createMCPServer (platform/src/api/mcp_servers.rs:1023) probes the
// endpoint before saving; the emulator reaches no MCP server, so its
// discovery result says what was configured. The answer flattens the
// server and adds discovery_result.
func (s *Server) createMCPServer(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name   string         `json:"name"`
		Config map[string]any `json:"config"`
	}
	if err := bindJSON(r, &body, "name", "config", "config.endpoint"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		now := time.Now().UTC()
		m := &mcpServer{ID: st.flakeID(now), Name: body.Name, Slug: mcpSlug(body.Name), Config: body.Config, Created: now, Updated: now}
		st.mcpServers[m.ID] = m
		v := m.view()
		_, auth := body.Config["auth"].(map[string]any)
		msg := "No authorization required."
		if auth {
			msg = "Authorization configured and validated."
		}
		v["discovery_result"] = map[string]any{"requires_auth": auth, "message": msg}
		return ok(w, v)
	})
}

func (s *Server) getMCPServer(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "mcp_server_id", (*store).mcpServer, func(st *store, m *mcpServer) error { return ok(w, m.view()) })
}

func (s *Server) updateMCPServer(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name   *string        `json:"name"`
		Config map[string]any `json:"config"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return within(s, r, "mcp_server_id", (*store).mcpServer, func(st *store, m *mcpServer) error {
		assign(&m.Name, body.Name)
		if body.Config != nil {
			m.Config = body.Config
		}
		m.Updated = time.Now().UTC()
		return ok(w, m.view())
	})
}

func (s *Server) deleteMCPServer(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "mcp_server_id", (*store).mcpServer, func(st *store, m *mcpServer) error {
		delete(st.mcpServers, m.ID)
		for k := range st.mcpConnections {
			if strings.HasSuffix(k, "/"+m.ID) {
				delete(st.mcpConnections, k)
			}
		}
		return ok(w, empty{})
	})
}

// discoverMCPAuth is discover_mcp_server_auth
// (platform/src/api/mcp_servers.rs:930): a blank endpoint is 400
// "endpoint is required", one validate_webhook_url refuses is 400 with
// its message. The emulator probes nothing: it answers the server's
// result for an endpoint that needs no authorization (:976).
func (s *Server) discoverMCPAuth(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Endpoint string `json:"endpoint"`
	}
	if err := bindJSON(r, &body, "endpoint"); err != nil {
		return err
	}
	endpoint := strings.TrimSpace(body.Endpoint)
	if endpoint == "" {
		return badRequest("endpoint is required")
	}
	if msg := ssrfRefusal(endpoint); msg != "" {
		return badRequest(msg)
	}
	return ok(w, map[string]any{"requires_auth": false, "message": "No authorization required. This MCP server can be used directly."})
}

// ssrfRefusal is validate_webhook_url (common/src/utils/ssrf.rs:58): the
// reason a URL may not be called, or "" when it may. As in the url
// crate, an IPv6 host keeps its brackets, so only "[::]" is refused
// among IPv6 literals.
func ssrfRefusal(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" && u.Host == "" && (u.Scheme == "http" || u.Scheme == "https") {
		return "Invalid URL format"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "Invalid URL scheme: " + u.Scheme + ". Only http and https are allowed"
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "URL must have a host"
	}
	if strings.HasPrefix(u.Host, "[") {
		host = "[" + host + "]"
	}
	if u.User != nil {
		return "URLs with credentials are not allowed"
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "0.0.0.0" || host == "[::]" || host == "::1" {
		return "Localhost URLs are not allowed: " + host
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil && reservedIPv4(ip.To4()) {
		return "Private or reserved IP addresses are not allowed: " + ip.String()
	}
	for _, d := range []string{"metadata.google.internal", "169.254.169.254", "metadata", "instance-data"} {
		if strings.Contains(host, d) {
			return "Potentially dangerous hostname detected: " + host
		}
	}
	return ""
}

// reservedIPv4 is is_private_ipv4 (ssrf.rs:12).
func reservedIPv4(ip net.IP) bool {
	doc := func(a, b, c byte) bool { return ip[0] == a && ip[1] == b && ip[2] == c }
	return ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.Equal(net.IPv4bcast) ||
		doc(192, 0, 2) || doc(198, 51, 100) || doc(203, 0, 113) || ip.IsUnspecified() || ip[0] >= 224 && ip[0] <= 239
}

func mcpAuthType(m *mcpServer) string {
	auth, _ := m.Config["auth"].(map[string]any)
	if t, _ := auth["type"].(string); t != "" {
		return t
	}
	return "none"
}

// listActorMCPServers: each server with the actor's connection state;
// servers behind a user OAuth flow need a connection (connected after
// connect, not_connected before), the others are ready.
func (s *Server) listActorMCPServers(w http.ResponseWriter, r *http.Request) error {
	actorID, err := actorIDQuery(r)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		var out []map[string]any
		for _, m := range oldestFirst(st.mcpServers, nil) {
			id, _ := strconv.ParseInt(m.ID, 10, 64)
			typ := mcpAuthType(m)
			user := strings.HasPrefix(typ, "oauth_authorization_code")
			v := map[string]any{"id": id, "name": m.Name, "endpoint": m.Config["endpoint"], "auth_type": typ,
				"requires_user_connection": user, "connection_status": "ready"}
			if user {
				v["connection_status"] = "not_connected"
				if at, found := st.mcpConnections[actorID+"/"+m.ID]; found {
					v["connection_status"], v["connected_at"] = "connected", at
				}
			}
			out = append(out, v)
		}
		return ok(w, whole(out))
	})
}

// connectActorMCPServer answers the authorization URL the actor would
// open. The emulator has no OAuth provider to send them to: it marks the
// actor connected at once and answers the server's auth_url (from its
// auth config) with the state it would carry.
func (s *Server) connectActorMCPServer(w http.ResponseWriter, r *http.Request) error {
	actorID, err := actorIDQuery(r)
	if err != nil {
		return err
	}
	return within(s, r, "mcp_server_id", (*store).mcpServer, func(st *store, m *mcpServer) error {
		if _, err := st.actor(actorID); err != nil {
			return err
		}
		auth, _ := m.Config["auth"].(map[string]any)
		base, _ := auth["auth_url"].(string)
		if base == "" {
			base = s.BackendURL + "/mcp/consent"
		}
		st.mcpConnections[actorID+"/"+m.ID] = time.Now().UTC()
		return ok(w, map[string]string{"auth_url": base + "?state=" + actorID + "." + m.ID})
	})
}

func (s *Server) disconnectActorMCPServer(w http.ResponseWriter, r *http.Request) error {
	actorID, err := actorIDQuery(r)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		delete(st.mcpConnections, actorID+"/"+r.PathValue("mcp_server_id"))
		return ok(w, success{Success: true})
	})
}

// defaultAISettings is the server's answer for a deployment that has
// saved no AI settings (platform/src/application/ai_settings.rs:45):
// Gemini everywhere, embeddings with gemini-embedding-2-preview at 1536
// dimensions (models/src/deployment_ai_settings.rs:48,62). Keys are never
// echoed, only whether they are set.
func defaultAISettings() map[string]any {
	return map[string]any{"strong_llm_provider": "gemini", "weak_llm_provider": "gemini", "gemini_api_key_set": false,
		"openrouter_api_key_set": false, "openrouter_require_parameters": true, "openai_api_key_set": false,
		"anthropic_api_key_set": false, "strong_model": nil, "weak_model": nil, "embedding_provider": "gemini",
		"embedding_model": "gemini-embedding-2-preview", "embedding_dimension": 1536,
		"storage": map[string]any{"provider": "s3", "bucket": nil, "region": nil, "endpoint": nil, "root_prefix": nil,
			"force_path_style": false, "access_key_id_set": false, "secret_access_key_set": false}}
}

func (s *Server) getAISettings(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error { return ok(w, st.aiSettings) })
}

// providerNames are llm_provider_name and embedding_provider_name
// (platform/src/application/ai_settings_admission.rs:298,306).
var providerNames = map[string]string{"gemini": "Gemini", "openai": "OpenAI", "openrouter": "OpenRouter"}

// updateAISettings is update_ai_settings (ai_settings.rs:72). Blank
// strings count as absent (normalize_optional_text, :259); then, with
// the server's messages (ai_settings_admission.rs:64,91; ai_settings.rs:218):
// a chosen LLM provider needs its key, embedding provider and model come
// together and need the provider's key, the dimension is 1536 or 768.
// The server then probes the embedding model and the storage bucket; the
// emulator reaches neither and accepts both.
func (s *Server) updateAISettings(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		StrongProvider *string `json:"strong_llm_provider"`
		WeakProvider   *string `json:"weak_llm_provider"`
		GeminiKey      *string `json:"gemini_api_key"`
		OpenRouterKey  *string `json:"openrouter_api_key"`
		RequireParams  *bool   `json:"openrouter_require_parameters"`
		OpenAIKey      *string `json:"openai_api_key"`
		AnthropicKey   *string `json:"anthropic_api_key"`
		StrongModel    *string `json:"strong_model"`
		WeakModel      *string `json:"weak_model"`
		EmbedProvider  *string `json:"embedding_provider"`
		EmbedModel     *string `json:"embedding_model"`
		EmbedDimension *int32  `json:"embedding_dimension"`
		Storage        *struct {
			Provider        *string `json:"provider"`
			Bucket          *string `json:"bucket"`
			Region          *string `json:"region"`
			Endpoint        *string `json:"endpoint"`
			RootPrefix      *string `json:"root_prefix"`
			ForcePathStyle  *bool   `json:"force_path_style"`
			AccessKeyID     *string `json:"access_key_id"`
			SecretAccessKey *string `json:"secret_access_key"`
		} `json:"storage"`
	}
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	for _, p := range []**string{&body.StrongProvider, &body.WeakProvider, &body.EmbedProvider} {
		if *p != nil && providerNames[**p] == "" {
			return jsonData("unknown variant `" + **p + "`, expected one of `gemini`, `openai`, `openrouter`")
		}
	}
	for _, p := range []**string{&body.GeminiKey, &body.OpenRouterKey, &body.OpenAIKey, &body.AnthropicKey,
		&body.StrongModel, &body.WeakModel, &body.EmbedModel} {
		if *p != nil && strings.TrimSpace(**p) == "" {
			*p = nil
		} else if *p != nil {
			*p = ptr(strings.TrimSpace(**p))
		}
	}
	return s.locked(func(st *store) error {
		set := st.aiSettings
		keyFor := func(provider string) bool {
			update := map[string]*string{"gemini": body.GeminiKey, "openai": body.OpenAIKey, "openrouter": body.OpenRouterKey}[provider]
			return update != nil || set[provider+"_api_key_set"] == true
		}
		for _, c := range []struct {
			field string
			p     *string
		}{{"strong_llm_provider", body.StrongProvider}, {"weak_llm_provider", body.WeakProvider}} {
			field, p := c.field, c.p
			if p != nil && !keyFor(*p) {
				name := providerNames[*p]
				return badRequest(field + " is set to " + name + " but no " + name + " API key is configured")
			}
		}
		if body.EmbedProvider != nil || body.EmbedModel != nil {
			if (body.EmbedProvider == nil) != (body.EmbedModel == nil) {
				return badRequest("embedding_provider and embedding_model must be provided together")
			}
			if !keyFor(*body.EmbedProvider) {
				name := providerNames[*body.EmbedProvider]
				return badRequest("embedding_provider is set to " + name + " but no " + name + " API key is configured")
			}
		}
		if d := body.EmbedDimension; d != nil && *d != 1536 && *d != 768 {
			return badRequest("embedding_dimension must be one of: 1536 or 768 (received " + strconv.Itoa(int(*d)) + ")")
		}
		for k, v := range map[string]*string{"gemini": body.GeminiKey, "openrouter": body.OpenRouterKey, "openai": body.OpenAIKey, "anthropic": body.AnthropicKey} {
			if v != nil {
				set[k+"_api_key_set"] = true
			}
		}
		for k, v := range map[string]*string{"strong_llm_provider": body.StrongProvider, "weak_llm_provider": body.WeakProvider,
			"strong_model": body.StrongModel, "weak_model": body.WeakModel, "embedding_provider": body.EmbedProvider, "embedding_model": body.EmbedModel} {
			if v != nil {
				set[k] = *v
			}
		}
		if body.RequireParams != nil {
			set["openrouter_require_parameters"] = *body.RequireParams
		}
		if body.EmbedDimension != nil {
			set["embedding_dimension"] = int(*body.EmbedDimension)
		}
		if sto := body.Storage; sto != nil {
			cur, _ := set["storage"].(map[string]any)
			for k, v := range map[string]*string{"bucket": sto.Bucket, "region": sto.Region, "endpoint": sto.Endpoint, "root_prefix": sto.RootPrefix} {
				if v != nil && strings.TrimSpace(*v) != "" {
					cur[k] = strings.TrimSpace(*v)
				}
			}
			if sto.ForcePathStyle != nil {
				cur["force_path_style"] = *sto.ForcePathStyle
			}
			for k, v := range map[string]*string{"access_key_id": sto.AccessKeyID, "secret_access_key": sto.SecretAccessKey} {
				if v != nil && strings.TrimSpace(*v) != "" {
					cur[k+"_set"] = true
				}
			}
		}
		return ok(w, set)
	})
}

// providerProfile is DeploymentAiProviderProfileResponse
// (models/src/deployment_ai_settings.rs:171): api_key never echoed.
type providerProfile struct {
	ID                     string    `json:"id"`
	Deployment             string    `json:"deployment_id"`
	Provider               string    `json:"provider"`
	Name                   string    `json:"name"`
	Slug                   string    `json:"slug"`
	APIKeySet              bool      `json:"api_key_set"`
	BaseURL                *string   `json:"base_url"`
	Organization           *string   `json:"organization"`
	Project                *string   `json:"project"`
	DefaultModel           *string   `json:"default_model"`
	Enabled                bool      `json:"enabled"`
	DisablePromptCaching   bool      `json:"disable_prompt_caching"`
	DisableReasoningEffort bool      `json:"disable_reasoning_effort"`
	SupportsImage          bool      `json:"supports_image"`
	Created                time.Time `json:"created_at"`
	Updated                time.Time `json:"updated_at"`
}

func (p *providerProfile) createdAt() time.Time { return p.Created }
func (p *providerProfile) key() string          { return p.ID }

// queries/src/ai_provider_profile.rs:94
func (st *store) profile(id string) (*providerProfile, error) {
	p, found := st.profiles[id]
	if !found {
		return nil, notFound("AI provider profile not found")
	}
	return p, nil
}

type profileBody struct {
	Provider               *string `json:"provider"`
	Name                   *string `json:"name"`
	Slug                   *string `json:"slug"`
	APIKey                 *string `json:"api_key"`
	BaseURL                *string `json:"base_url"`
	Organization           *string `json:"organization"`
	Project                *string `json:"project"`
	DefaultModel           *string `json:"default_model"`
	Enabled                *bool   `json:"enabled"`
	DisablePromptCaching   *bool   `json:"disable_prompt_caching"`
	DisableReasoningEffort *bool   `json:"disable_reasoning_effort"`
	SupportsImage          *bool   `json:"supports_image"`
}

// apply checks "<field> cannot be empty" (commands/src/ai_provider_profile.rs:19)
// and that the slug is unique: a repeat is the unique violation's 409.
func (b *profileBody) apply(st *store, p *providerProfile) error {
	for field, v := range map[string]*string{"name": b.Name, "slug": b.Slug, "api_key": b.APIKey} {
		if v != nil && strings.TrimSpace(*v) == "" {
			return badRequest(field + " cannot be empty")
		}
	}
	if b.Slug != nil {
		for _, o := range st.profiles {
			if o.ID != p.ID && o.Slug == strings.TrimSpace(*b.Slug) {
				return conflict("Resource already exists")
			}
		}
		p.Slug = strings.TrimSpace(*b.Slug)
	}
	assign(&p.Provider, b.Provider)
	if b.Name != nil {
		p.Name = strings.TrimSpace(*b.Name)
	}
	p.APIKeySet = p.APIKeySet || b.APIKey != nil
	for dst, v := range map[**string]*string{&p.BaseURL: b.BaseURL, &p.Organization: b.Organization, &p.Project: b.Project, &p.DefaultModel: b.DefaultModel} {
		if v != nil {
			*dst = v
		}
	}
	assign(&p.Enabled, b.Enabled)
	assign(&p.DisablePromptCaching, b.DisablePromptCaching)
	assign(&p.DisableReasoningEffort, b.DisableReasoningEffort)
	assign(&p.SupportsImage, b.SupportsImage)
	return nil
}

func (s *Server) listProfiles(w http.ResponseWriter, r *http.Request) error {
	lq, offsetSent, err := aiPage(r, 50)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		return ok(w, pageOf(viewsOf(latestFirst(st.profiles, nil), func(p *providerProfile) providerProfile { return *p }), lq, offsetSent))
	})
}

func (s *Server) createProfile(w http.ResponseWriter, r *http.Request) error {
	var body profileBody
	if err := bindJSON(r, &body, "provider", "name", "slug", "api_key"); err != nil {
		return err
	}
	switch *body.Provider {
	case "gemini", "openai", "openrouter":
	default:
		return jsonData("provider: unknown variant `" + *body.Provider + "`")
	}
	return s.locked(func(st *store) error {
		now := time.Now().UTC()
		p := &providerProfile{ID: st.flakeID(now), Deployment: DeploymentID, Enabled: true, Created: now, Updated: now}
		if err := body.apply(st, p); err != nil {
			return err
		}
		st.profiles[p.ID] = p
		return ok(w, p)
	})
}

func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "profile_id", (*store).profile, func(st *store, p *providerProfile) error { return ok(w, p) })
}

func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) error {
	var body profileBody
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	body.Provider = nil // not part of UpdateDeploymentAiProviderProfileRequest
	return within(s, r, "profile_id", (*store).profile, func(st *store, p *providerProfile) error {
		if err := body.apply(st, p); err != nil {
			return err
		}
		p.Updated = time.Now().UTC()
		return ok(w, p)
	})
}

func (s *Server) deleteProfile(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "profile_id", (*store).profile, func(st *store, p *providerProfile) error {
		delete(st.profiles, p.ID)
		return ok(w, empty{})
	})
}
