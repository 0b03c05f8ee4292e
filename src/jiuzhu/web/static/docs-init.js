// /docs: Swagger UI from the vendored bundle (no outside resources).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
