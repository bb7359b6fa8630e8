"""What a projector link shows (issue 18): registered by the frame only for a
request with a projector token, and then as the only page."""

from components import navigation, projector

navigation.run_frame_first()
projector.beamer_view()
