"""Demo photos of offerings, drawn here with Pillow (no download): a flat illustration per kind of offering."""

import io
import random

from PIL import Image, ImageDraw

from services.enums import OfferingKind

SIZE = (800, 600)
PALETTES = {
    OfferingKind.BASKET: ("#e8f3e1", "#2f7d32", ["#d84315", "#f9a825", "#6d4c41", "#8e24aa", "#43a047"]),
    OfferingKind.LAUNDRY: ("#e3eef8", "#3a78b5", ["#ffffff", "#90caf9", "#f8bbd0", "#fff59d"]),
    OfferingKind.HOME_SERVICE: ("#fbf1e3", "#b26a00", ["#8d6e63", "#66bb6a", "#ef5350"]),
    OfferingKind.GOODS: ("#f5ebe0", "#6d4c41", ["#a1887f", "#ffb74d", "#4db6ac", "#e57373"]),
    OfferingKind.MOBILITY: ("#e6f4f1", "#00796b", ["#1565c0", "#c62828", "#37474f"]),
    OfferingKind.TRAINING: ("#efe9f6", "#5e35b1", ["#ffca28", "#26a69a", "#ef5350"]),
}
# What each drawing shows, for its alt text.
ALT = {
    OfferingKind.BASKET: "Dessin d'un panier garni de légumes de saison",
    OfferingKind.LAUNDRY: "Dessin de linge propre plié en piles",
    OfferingKind.HOME_SERVICE: "Dessin d'une maison avec son jardin",
    OfferingKind.GOODS: "Dessin de bocaux et de sachets d'épicerie",
    OfferingKind.MOBILITY: "Dessin d'une voiture sur une route de campagne",
    OfferingKind.TRAINING: "Dessin de livres et d'un tableau de cours",
}


def draw(kind: str, seed: str) -> bytes:
    """A PNG of `SIZE` for one kind of offering; `seed` varies the details from one offering to the next."""
    background, ink, colours = PALETTES.get(kind, PALETTES[OfferingKind.GOODS])
    rng = random.Random(seed)  # noqa: S311 — decoration, not security
    image = Image.new("RGB", SIZE, background)
    pen = ImageDraw.Draw(image)
    width, height = SIZE
    pen.rectangle([0, height * 0.78, width, height], fill=ink)  # the ground or the table
    if kind == OfferingKind.BASKET:
        pen.pieslice([170, 170, 630, 560], 0, 180, fill="#a1683a")
        for _ in range(9):
            x, y, r = rng.randint(230, 570), rng.randint(230, 330), rng.randint(40, 70)
            pen.ellipse([x - r, y - r, x + r, y + r], fill=rng.choice(colours), outline=ink, width=4)
        pen.rectangle([170, 355, 630, 375], fill="#7b4a24")
    elif kind == OfferingKind.LAUNDRY:
        for column, x in enumerate((150, 330, 510)):
            for row in range(rng.randint(3, 5)):
                y = 440 - row * 55
                pen.rounded_rectangle(
                    [x, y, x + 150, y + 50], 12, fill=colours[(column + row) % len(colours)], outline=ink, width=4
                )
    elif kind == OfferingKind.HOME_SERVICE:
        pen.rectangle([250, 260, 550, 470], fill="#fff8e1", outline=ink, width=6)
        pen.polygon([(220, 270), (400, 120), (580, 270)], fill=colours[2], outline=ink)
        pen.rectangle([370, 370, 430, 470], fill=colours[0])
        pen.rectangle([280, 300, 340, 350], fill="#bbdefb", outline=ink, width=4)
        pen.rectangle([460, 300, 520, 350], fill="#bbdefb", outline=ink, width=4)
        for x in range(60, 220, 50):
            pen.ellipse([x, 380, x + 60, 470], fill=colours[1])
        for x in range(590, 760, 50):
            pen.ellipse([x, 380, x + 60, 470], fill=colours[1])
    elif kind == OfferingKind.GOODS:
        for index, x in enumerate(range(120, 680, 140)):
            tall = rng.randint(150, 260)
            pen.rounded_rectangle(
                [x, 468 - tall, x + 110, 468], 18, fill=colours[index % len(colours)], outline=ink, width=5
            )
            pen.rectangle([x + 10, 448 - tall, x + 100, 468 - tall], fill=ink)
            pen.rectangle([x + 15, 468 - tall * 0.6, x + 95, 468 - tall * 0.35], fill="#fffdf7")
    elif kind == OfferingKind.MOBILITY:
        colour = rng.choice(colours)
        pen.rounded_rectangle([190, 300, 610, 420], 30, fill=colour, outline=ink, width=5)
        pen.polygon([(270, 300), (330, 220), (480, 220), (540, 300)], fill=colour, outline=ink)
        pen.polygon([(300, 295), (345, 235), (400, 235), (400, 295)], fill="#e3f2fd")
        pen.polygon([(415, 295), (415, 235), (470, 235), (515, 295)], fill="#e3f2fd")
        for x in (290, 510):
            pen.ellipse([x - 50, 370, x + 50, 470], fill="#263238")
            pen.ellipse([x - 20, 400, x + 20, 440], fill="#b0bec5")
    else:  # training
        pen.rectangle([140, 110, 660, 330], fill="#2e4d3a", outline=ink, width=8)
        for line in range(3):
            pen.line([180, 160 + line * 50, 180 + rng.randint(250, 440), 160 + line * 50], fill="#f5f5f5", width=6)
        for index, x in enumerate((230, 330, 430)):
            pen.rectangle([x, 360, x + 90, 468], fill=colours[index], outline=ink, width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
