# Behind a non-proxy integration: the event is what the request template
# in infrastructure/api.tf builds from the HTTP request, not the request
# itself, and the return value becomes the response body as it is.


def handle(event, context):
    name = event.get("name") or "world"
    print("greeting", name, "in", event.get("language"))
    greetings = {"en": "Hello", "fr": "Bonjour", "de": "Hallo", "es": "Hola"}
    word = greetings.get(event.get("language") or "en")
    if word is None:
        raise ValueError(f"[BadRequest] unknown language {event.get('language')}")
    return {"greeting": f"{word}, {name}!", "caller": event.get("caller")}
