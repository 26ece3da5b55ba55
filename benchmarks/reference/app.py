"""The example API's five routes on the reference SDK (auth0-fastapi-api), for side-by-side
load tests. Configuration from the environment, as the Rust example:
AUTH0_DOMAIN, AUTH0_AUDIENCE (and SSL_CERT_FILE to trust a local issuer's CA).

    pip install auth0-fastapi-api uvicorn
    uvicorn app:app --host 127.0.0.1 --port 8001 --workers 2 --log-level warning
"""
import os

from fastapi import Depends, FastAPI
from fastapi_plugin import Auth0FastAPI

app = FastAPI()
auth0 = Auth0FastAPI(domain=os.environ["AUTH0_DOMAIN"], audience=os.environ["AUTH0_AUDIENCE"])


@app.get("/api/public")
async def public():
    return {"message": "public"}


@app.get("/api/private")
async def private(claims: dict = Depends(auth0.require_auth())):
    return {"message": "private", "sub": claims.get("sub")}


@app.get("/api/messages")
async def messages(claims: dict = Depends(auth0.require_auth(scopes="read:messages"))):
    return {"messages": ["hello"]}


@app.post("/api/data")
async def data(claims: dict = Depends(auth0.require_auth(scopes=["read:data", "write:data"]))):
    return {"ok": True}


@app.get("/api/profile")
async def profile(claims: dict = Depends(auth0.require_auth())):
    return {"sub": claims.get("sub"), "scope": claims.get("scope")}
