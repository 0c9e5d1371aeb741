// Starts Swagger UI over our own OpenAPI document (kept out of the page for the CSP).
window.addEventListener('load', function () {
  window.SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#api-docs', deepLinking: true });
});
