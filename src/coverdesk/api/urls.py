from ninja import NinjaAPI

api = NinjaAPI(title="Coverdesk API", version="1", urls_namespace="api")
