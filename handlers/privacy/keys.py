"""Key rotation: every stored secret field re-encrypted under the newest YIBANG_SECRET_KEY."""

from __future__ import annotations

from sqlalchemy import select

from handlers.attachments.retention import reseal_file_refs, reseal_files
from handlers.privacy.anonymous import PrivacyReport
from handlers.services import Services
from storage.encryption import FieldCipher
from storage.key_check import record_newest_key
from storage.models import Case, Conversation, DepartmentContact, InboxMessage


def rekey(services: Services) -> PrivacyReport:
    """Re-encrypt every stored field under the newest secret key (after adding a new YIBANG_SECRET_KEY
    and moving the old one to YIBANG_OLD_SECRET_KEYS), recompute the phone lookup index, and reseal the
    stored photos and files under the new key."""
    cipher: FieldCipher = services.cipher
    report = PrivacyReport()
    with services.db.transaction() as session:
        for case in session.scalars(select(Case)):
            case.name_enc = cipher.rotate(case.name_enc)
            case.phone_enc = cipher.rotate(case.phone_enc)
            case.details_enc = cipher.rotate(case.details_enc)
            phone = cipher.decrypt(case.phone_enc)
            case.phone_index = cipher.index(phone) if phone else None
            report.cases += 1
        for conversation in session.scalars(select(Conversation)):
            conversation.slots_enc = cipher.rotate(conversation.slots_enc)
            conversation.contact_name_enc = cipher.rotate(conversation.contact_name_enc)
            conversation.contact_phone_enc = cipher.rotate(conversation.contact_phone_enc)
            report.conversations += 1
        for message in session.scalars(select(InboxMessage).where(InboxMessage.replies_enc.is_not(None))):
            message.replies_enc = cipher.rotate(message.replies_enc)
            report.inbox += 1
        for contact in session.scalars(select(DepartmentContact)):
            contact.address_enc = cipher.rotate(contact.address_enc) or contact.address_enc
            address = cipher.decrypt(contact.address_enc)
            if address is not None:
                contact.address_index = cipher.index(f"{contact.channel}:{address}")
        reseal_file_refs(session, services)
        record_newest_key(session, cipher, services.clock.now())
    report.files = reseal_files(services)
    return report


