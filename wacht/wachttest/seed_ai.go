package wachttest

import "time"

// The AI part of the seed fixture (Options.Seed). The server draws AI ids
// from its Sonyflake, so these have that shape (store.flakeID); the
// records' own threads and board take ids the same way when seeded.
const (
	SeedAgentID          = "547266075033600001" // "Seed assistant"; its canned reply is SeedAgentReply
	SeedToolID           = "547266175696896001" // "order lookup", an api tool calling https://api.example.com/orders
	SeedKnowledgeBaseID  = "547266276360192001" // "Seed handbook", holding SeedKBDocumentID
	SeedKBDocumentID     = "547266377023488001" // "refunds" (refunds.txt): how refunds are paid
	SeedActorID          = "547266477686784001" // user actor with external key "ada" (SeedUserID's username)
	SeedProjectID        = "547266578350080001" // "Seed support", SeedActorID's, run by SeedAgentID, with its coordinator and review threads and board
	SeedBoardItemID      = "547266679013376001" // "Refund order 1042" on SeedProjectID's board, pending
	SeedMCPServerID      = "547266779676672001" // "seed docs" at https://mcp.example.com/docs, no auth
	SeedThreadID         = "547266880339968001" // "Welcome" conversation thread of SeedProjectID with SeedAgentID
	SeedAgentSkillSlug   = "seed-faq"           // SeedAgentID's skill "FAQ": SKILL.md and answers/refunds.md
	SeedAgentReply       = "Hello! I am the seeded assistant."
	seedRefundsDocument  = "Refunds are paid to the original card within 14 days of the return arriving."
	seedFAQSkillMarkdown = "---\nname: FAQ\ndescription: Answers common customer questions\n---\n\nLook in answers/ first.\n"
)

// seedAI adds the AI records; at hands out the seed's creation times.
func (st *store) seedAI(at func() time.Time) {
	t := at()
	st.aiAgents[SeedAgentID] = &aiAgent{ID: SeedAgentID, Name: "Seed assistant", Description: ptr("Answers customer questions"),
		Created: t, Updated: t, Tools: map[string]string{}, KnowledgeBases: map[string]bool{}, SubAgents: map[string]bool{}}
	st.agentReplies[SeedAgentID] = SeedAgentReply
	st.agentSkills[SeedAgentID] = map[string]*agentSkill{SeedAgentSkillSlug: {Slug: SeedAgentSkillSlug, Name: "FAQ",
		Description: ptr("Answers common customer questions"), Files: map[string][]byte{
			"SKILL.md":           []byte(seedFAQSkillMarkdown),
			"answers/refunds.md": []byte(seedRefundsDocument + "\n")}}}
	t = at()
	st.aiTools[SeedToolID] = &aiTool{ID: SeedToolID, Name: "order lookup", Description: ptr("Looks an order up by number"), ToolType: "api",
		Configuration: map[string]any{"type": "Api", "endpoint": "https://api.example.com/orders", "method": "GET"}, Created: t, Updated: t}
	t = at()
	st.knowledgeBases[SeedKnowledgeBaseID] = &knowledgeBase{ID: SeedKnowledgeBaseID, Name: "Seed handbook", Description: ptr("Support policies"),
		Configuration: map[string]any{}, Created: t, Updated: t}
	t = at()
	st.kbDocuments[SeedKBDocumentID] = &kbDocument{ID: SeedKBDocumentID, KnowledgeBaseID: SeedKnowledgeBaseID, Title: "refunds",
		FileName: "refunds.txt", FileType: "text/plain", Content: []byte(seedRefundsDocument), Created: t, Updated: t}
	t = at()
	st.actors[SeedActorID] = &actor{ID: SeedActorID, Deployment: DeploymentID, SubjectType: "user", ExternalKey: "ada",
		DisplayName: ptr("Ada Lovelace"), Metadata: map[string]any{}, Created: t, Updated: t}
	t = at()
	p := &actorProject{ID: SeedProjectID, Deployment: DeploymentID, ActorID: SeedActorID, Name: "Seed support", Status: "active", Created: t, Updated: t}
	st.addProject(p, st.aiAgents[SeedAgentID])
	t = at()
	th := st.newThread(p, "Welcome", "conversation", t)
	delete(st.threads, th.ID)
	th.ID, th.AgentID = SeedThreadID, SeedAgentID
	st.threads[th.ID] = th
	t = at()
	it := &boardItem{ID: SeedBoardItemID, BoardID: st.boards[p.ID].ID, TaskKey: "TASK-" + SeedBoardItemID, Title: "Refund order 1042",
		Status: "pending", AssignedThread: p.Coordinator, Metadata: map[string]any{}, Created: t, Updated: t, StateVersion: "1",
		Mounts: []any{}, Deliverables: []any{}, ProjectID: p.ID}
	st.boardItems[it.ID] = it
	t = at()
	st.mcpServers[SeedMCPServerID] = &mcpServer{ID: SeedMCPServerID, Name: "seed docs", Slug: mcpSlug("seed docs"),
		Config: map[string]any{"endpoint": "https://mcp.example.com/docs"}, Created: t, Updated: t}
	st.aiSettings["gemini_api_key_set"] = true
	st.aiSettings["strong_model"] = "gemini-2.5-pro"
}
