"""The yardstick: the smallest FastAPI app, served beside the service in the same run."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def hello() -> dict[str, str]:
    return {"message": "Hello World"}
