"""Who the user is: identity resolution for every feature, and the 「プロフィール」 command."""

from __future__ import annotations

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import DialogContext

from bot import cards
from bot.identity import Identity, IdentityResolver
from bot.references import user_key
from bot.router import Route
from bot.runtime import Runtime
from bot.texts import profile as texts
from dialogs.profile import PICK_ACTION, ProfileDialog
from domain.profiles import save_profile
from knowledge.directory import ROLE_LABELS, TIERS, Unit


def resolver(runtime: Runtime) -> IdentityResolver:
    return runtime.services["identity"]


def describe(identity: Identity) -> str:
    roles = "、".join(ROLE_LABELS.get(r, r) for r in sorted(identity.roles))
    return texts.SHOW.format(
        name=identity.name or texts.UNKNOWN,
        unit=identity.unit_name or identity.unit_code or texts.UNKNOWN,
        department=identity.department_name or "-",
        tier=identity.tier or texts.UNKNOWN,
        roles=texts.ROLES.format(roles=roles) if roles else "",
    )


def install(runtime: Runtime) -> None:
    identity = IdentityResolver(runtime.directory, runtime.sessions)
    runtime.services["identity"] = identity
    runtime.bot.upn_of = identity.upn

    async def save(turn_context: TurnContext, unit: Unit, tier: str) -> None:
        activity = turn_context.activity
        async with runtime.sessions() as session, session.begin():
            await save_profile(session, user_key(activity), unit.code, tier,
                               name=activity.from_property.name or "")

    async def unit_gone(turn_context: TurnContext) -> bool:
        return (await identity.resolve(turn_context)).unit_gone

    runtime.bot.dialogs.add(ProfileDialog(lambda: runtime.directory.current, TIERS, save, unit_gone))
    begin = runtime.bot.begin(ProfileDialog.__name__)

    async def show(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        who = await identity.resolve(turn_context)
        if not who.known:
            if not who.unit_gone:  # the dialog itself explains a unit that has gone
                await turn_context.send_activity(texts.NONE)
            await begin(turn_context, dc, Route("command", name="profile"))
            return
        body = [cards.text(describe(who))]
        if who.source == "directory":
            body.append(cards.text(texts.FROM_DIRECTORY, subtle=True))
            actions = []
        else:
            body.append(cards.text(texts.FROM_PROFILE, subtle=True))
            actions = [cards.submit(texts.BUTTON_CHANGE, "profile.edit")]
        await turn_context.send_activity(MessageFactory.attachment(cards.card(body, actions)))

    async def edit(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        who = await identity.resolve(turn_context)
        if who.source == "directory":
            await turn_context.send_activity(texts.FROM_DIRECTORY)
            return
        await begin(turn_context, dc, Route("command", name="profile"))

    async def pick(turn_context: TurnContext, dc: DialogContext, route: Route) -> None:
        """A unit or tier button: the open profile dialog reads its label as typed; on a card
        whose dialog has ended it changes nothing (and is not taken as another prompt's text)."""
        value = route.data.get("value")
        active = dc.active_dialog
        if not isinstance(value, str) or active is None or active.id != ProfileDialog.__name__:
            await turn_context.send_activity(texts.STALE_CHOICE)
            return
        turn_context.activity.text = value
        await runtime.bot.continue_dialog(dc)

    runtime.bot.commands["profile"] = show
    runtime.bot.card_actions["profile.edit"] = edit
    runtime.bot.card_actions[PICK_ACTION] = pick
