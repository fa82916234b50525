"""Accounts: sign up, sign in and out, password reset, people in the account, preferences."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/account")
