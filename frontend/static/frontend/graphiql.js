// The debug-only GraphiQL page (config/graphql/view.py): POSTs JSON with the session's CSRF token.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var fetcher = GraphiQL.createFetcher({
    url: root.dataset.endpoint,
    headers: { "X-CSRFToken": root.dataset.csrf },
  });
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, { fetcher: fetcher }));
})();
